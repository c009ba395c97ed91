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
    /// Show everything steps print (all of a build's output).
    #[arg(short, long, global = true)]
    pub verbose: bool,
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
    /// Build the images the recipe's maps declare (`m.images.NAME = df`), on the Engines the
    /// maps are handed to; the Engine's cache keeps unchanged steps quick.
    Build {
        /// A recipe argument (`ARGS`), repeatable.
        #[arg(short = 'a', long = "arg", value_name = "VALUE")]
        args: Vec<String>,
        /// The recipe (`.rhai`).
        file: PathBuf,
        /// Image names as declared (or full references); all when none are given.
        names: Vec<String>,
    },
    /// Print the Dockerfiles of the images the recipe's maps declare.
    Dockerfile {
        /// A recipe argument (`ARGS`), repeatable.
        #[arg(short = 'a', long = "arg", value_name = "VALUE")]
        args: Vec<String>,
        /// The recipe (`.rhai`).
        file: PathBuf,
        /// One image name as declared (or its full reference); all when none is given.
        name: Option<String>,
    },
}
