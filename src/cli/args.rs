//! Command-line arguments (clap only).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "dmap",
    version,
    about = "Docker orchestration as code: Rhai recipes and docker-map maps, converged onto the Docker Engine"
)]
pub struct Arguments {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate a recipe; its actions run against Docker as they are called.
    Run {
        /// Plan every action and print it; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The recipe (`.rhai`).
        file: PathBuf,
        /// Visible to the recipe as the array `ARGS`; after `--` when they start with `-`.
        args: Vec<String>,
    },
    /// Load a recipe or a docker-map YAML map, run every integrity check, contact no Engine.
    Check {
        /// A recipe (`.rhai`) or a docker-map YAML map (`.yaml`, `.yml`).
        file: PathBuf,
        /// Recipe arguments (`ARGS`); after `--` when they start with `-`.
        args: Vec<String>,
    },
    /// Print the resolved model of the maps.
    Show {
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// A recipe (`.rhai`) or a docker-map YAML map (`.yaml`, `.yml`).
        file: PathBuf,
        /// Recipe arguments (`ARGS`); after `--` when they start with `-`.
        args: Vec<String>,
    },
}
