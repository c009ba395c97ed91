//! Command-line arguments (clap only).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXIT_CODES: &str = "\
Exit codes:
  0  success (`plan`: nothing would change)
  1  an error of a recipe, a map or an action (a failed check, an unreachable Engine, a failed step)
  2  the command line is wrong (an unknown verb or flag, a missing FILE, an unknown image name)
  3  `plan`: something would change
  `exec` exits with the command's own exit code.

Targets: CONFIG, CONFIG.INSTANCE, GROUP or __all__, each optionally MAP/-prefixed; the verbs
act on __all__ of every map when none are given.";

#[derive(Debug, Parser)]
#[command(
    name = "dmap",
    version,
    about = "Docker orchestration as code: Rhai recipes and docker-map maps, converged onto the Docker Engine",
    after_help = EXIT_CODES
)]
pub(crate) struct Arguments {
    /// Show everything steps print (all of a build's output).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    /// Show no progress, only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// How progress is shown: a live view on a terminal, plain lines, nothing, or JSON lines.
    #[arg(long, global = true, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// No colours (also when NO_COLOR is set and not empty).
    #[arg(long, global = true)]
    pub no_color: bool,
    /// The builder for images: BuildKit or the classic builder (else a map's `builder`, else
    /// DOCKER_BUILDKIT, else BuildKit where the Engine offers it).
    #[arg(long, global = true, value_enum, value_name = "BUILDER")]
    pub builder: Option<BuilderArg>,
    /// The FILE of the verb, named before it as Compose's `-f` is (`dmap -f app.yaml up`);
    /// then every argument of the verb is a target.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A Compose file's project name (instead of COMPOSE_PROJECT_NAME, `name:`, the directory).
    #[arg(short = 'p', long = "project-name", value_name = "NAME")]
    pub project_name: Option<String>,
    /// A Compose profile to enable, repeatable (besides COMPOSE_PROFILES).
    #[arg(long = "profile", value_name = "NAME")]
    pub profiles: Vec<String>,
    /// An env file a Compose file is read with, instead of its `.env`; repeatable.
    #[arg(long = "env-file", value_name = "PATH")]
    pub env_files: Vec<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum Progress {
    /// `tty` when stderr is a terminal, else `plain`.
    Auto,
    /// A live view: a line per container and build, redrawn in place.
    Tty,
    /// One line per event, no control codes.
    Plain,
    /// Nothing but errors.
    Quiet,
    /// One JSON object per event, on stderr.
    Json,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub(crate) enum BuilderArg {
    /// BuildKit, the Engine's API version 2 builder.
    Buildkit,
    /// The classic builder.
    Classic,
}

impl BuilderArg {
    pub(crate) fn builder(self) -> crate::model::builder::Builder {
        match self {
            BuilderArg::Buildkit => crate::model::builder::Builder::BuildKit,
            BuilderArg::Classic => crate::model::builder::Builder::Classic,
        }
    }
}

/// The recipe and its arguments, for the Compose-style verbs.
#[derive(Debug, Args)]
pub(crate) struct Recipe {
    /// A recipe argument (`ARGS`), repeatable.
    #[arg(short = 'a', long = "arg", value_name = "VALUE")]
    pub args: Vec<String>,
    /// The recipe (`.rhai`), a Compose file or a docker-map YAML map; default: the first of
    /// `dmap.rhai`, `compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml`
    /// here. A first argument that is no file (and does not end in `.rhai`, `.yaml`, `.yml`)
    /// is a target.
    #[arg(value_name = "FILE")]
    pub given: Option<PathBuf>,
    /// The file decided from it and `dmap -f FILE` (`load::resolve_file`).
    #[arg(skip)]
    pub file: PathBuf,
}

/// What `up` is asked to do besides converging; `plan` takes the same, to plan as `up` would.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct UpFlags {
    /// Build every declared image the targets use, changed or not.
    #[arg(long, conflicts_with = "no_build")]
    pub build: bool,
    /// Build no image, even a missing one.
    #[arg(long)]
    pub no_build: bool,
    /// Recreate the targets even if nothing changed.
    #[arg(long)]
    pub force_recreate: bool,
    /// Remove containers whose configurations left the map.
    #[arg(long)]
    pub remove_orphans: bool,
    /// Take over volumes, networks and containers with the names the map needs that dmap
    /// did not create (recipes: `adopt: true`).
    #[arg(long)]
    pub adopt: bool,
    /// Push the declared images the targets use to their registry after building them.
    #[arg(long)]
    pub push: bool,
    /// Run a configuration without named instances as N numbered instances (1..N), this time
    /// (a later `up` without it returns to what the file says); repeatable.
    #[arg(long, value_name = "CONFIG=N")]
    pub scale: Vec<String>,
}

/// How `exec` and `job` run their command: as whom, where, with what more in the environment.
#[derive(Clone, Debug, Default, Args)]
pub(crate) struct RunAs {
    /// Run as this user.
    #[arg(short, long)]
    pub user: Option<String>,
    /// Run in this directory.
    #[arg(short, long, value_name = "DIR")]
    pub workdir: Option<String>,
    /// Set an environment variable, repeatable.
    #[arg(short, long = "env", value_name = "K=V")]
    pub env: Vec<String>,
}

/// A recipe to start from, and its arguments.
#[derive(Debug, Args)]
pub(crate) struct OptionalRecipe {
    /// A recipe argument (`ARGS`), repeatable.
    #[arg(short = 'a', long = "arg", value_name = "VALUE")]
    pub args: Vec<String>,
    /// A recipe evaluated first: its variables, functions and maps stay in scope.
    pub file: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Create what is missing, recreate what changed, start what is stopped (`update`).
    #[command(
        after_help = "Example:\n  dmap up deploy.rhai              # everything\n  dmap up deploy.rhai web --wait   # web and what it needs, then wait until healthy"
    )]
    Up {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        #[command(flatten)]
        flags: UpFlags,
        /// Wait until every container with a healthcheck is healthy.
        #[arg(long)]
        wait: bool,
        /// Then keep the targets converged while files change: a declared image's context
        /// (rebuilt), the recipe and what it reads (evaluated again), `develop.watch` rules;
        /// Ctrl-C ends the watch and leaves the stack running.
        #[arg(long)]
        watch: bool,
    },
    /// Stop and remove the targets and what depends on them (`shutdown`).
    #[command(
        after_help = "Example:\n  dmap down deploy.rhai            # everything; named volumes stay\n  dmap down deploy.rhai --volumes  # volumes too"
    )]
    Down {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        /// Remove the attached (named) volumes too.
        #[arg(long)]
        volumes: bool,
        /// Remove containers whose configurations left the map.
        #[arg(long)]
        remove_orphans: bool,
    },
    /// Start the targets' stopped containers, their dependencies first (`start`: nothing is
    /// created; `dmap up` creates what is missing).
    #[command(after_help = "Example:\n  dmap start deploy.rhai\n  dmap start web")]
    Start {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
    },
    /// Stop the targets' containers and what depends on them, dependents first; the containers
    /// stay (`dmap start` runs them again).
    #[command(after_help = "Example:\n  dmap stop deploy.rhai\n  dmap stop db      # and what needs db")]
    Stop {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
    },
    /// Restart the targets' containers (only those; their exec commands run again).
    #[command(after_help = "Example:\n  dmap restart deploy.rhai web")]
    Restart {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
    },
    /// Send a signal to the targets' running containers (SIGKILL unless `-s` says otherwise).
    #[command(after_help = "Example:\n  dmap kill deploy.rhai\n  dmap kill -s SIGHUP web")]
    Kill {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        /// The signal: a name (`SIGHUP`, `HUP`) or a number.
        #[arg(short, long, default_value = "SIGKILL")]
        signal: String,
    },
    /// What `up` would do, and why; changes nothing. Exits 0 when nothing would change, 3 when something would.
    #[command(
        after_help = "Example:\n  dmap plan deploy.rhai && echo up to date\n  dmap plan --json deploy.rhai web"
    )]
    Plan {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        /// One JSON document (see docs/cli.md).
        #[arg(long)]
        json: bool,
        /// As `up` takes them: the plan is what `up` with these flags would do.
        #[command(flatten)]
        flags: UpFlags,
    },
    /// Each container: state, health, image, ports, uptime, and what an update would change.
    #[command(
        visible_alias = "ps",
        after_help = "Example:\n  dmap status deploy.rhai\n  dmap ps --json deploy.rhai web"
    )]
    Status {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        /// One JSON document (see docs/cli.md).
        #[arg(long)]
        json: bool,
    },
    /// The output of the targets' containers, each line prefixed with the container.
    #[command(after_help = "Example:\n  dmap logs deploy.rhai web -n 20\n  dmap logs -f deploy.rhai")]
    Logs {
        #[command(flatten)]
        recipe: Recipe,
        /// Targets (default: everything).
        targets: Vec<String>,
        /// Keep following new output.
        #[arg(short, long)]
        follow: bool,
        /// Only the last N lines of each container.
        #[arg(short = 'n', long = "tail", value_name = "N")]
        tail: Option<u64>,
        /// Only output since T: a duration (`10m`, `2h`) or a time (`2026-12-01T10:00:00Z`).
        #[arg(long, value_name = "T")]
        since: Option<String>,
    },
    /// Run a command in a running container; dmap exits with the command's exit code.
    #[command(
        after_help = "Example:\n  dmap exec deploy.rhai web -- sh\n  dmap exec -u app -e DEBUG=1 deploy.rhai app.a -- ls /srv"
    )]
    Exec {
        #[command(flatten)]
        recipe: Recipe,
        /// The container: one instance (`CONFIG` or `CONFIG.INSTANCE`, optionally `MAP/`).
        target: Option<String>,
        /// The command and its arguments, after `--`.
        #[arg(last = true, required = true)]
        command: Vec<String>,
        #[command(flatten)]
        run_as: RunAs,
        /// No terminal for the command, even when stdin is one.
        #[arg(short = 'T', long = "no-tty")]
        no_tty: bool,
    },
    /// Run a one-off container of a configuration (its image, environment, mounts, networks and
    /// user; its dependencies started first), attached, removed afterwards; dmap exits with
    /// its exit code.
    #[command(
        after_help = "Example:\n  dmap job deploy.rhai app -- ./migrate --check\n  dmap job -e DEBUG=1 --entrypoint sh app -- -c 'env'\n  echo 'select 1' | dmap job -i db -- psql"
    )]
    Job {
        #[command(flatten)]
        recipe: Recipe,
        /// The configuration (`CONFIG`, or `CONFIG.INSTANCE` for that instance's settings;
        /// optionally `MAP/`).
        config: Option<String>,
        /// The command and its arguments, after `--` (default: the configuration's).
        #[arg(last = true)]
        command: Vec<String>,
        #[command(flatten)]
        run_as: RunAs,
        /// Replace the entrypoint (split into words as a shell would).
        #[arg(long, value_name = "CMD")]
        entrypoint: Option<String>,
        /// Copy stdin to the container, also when it is not a terminal.
        #[arg(short, long)]
        interactive: bool,
        /// No terminal for the container, even when stdin is one.
        #[arg(short = 'T', long = "no-tty")]
        no_tty: bool,
        /// Keep the container afterwards (it is labelled as a job, never taken for one of the
        /// map's containers).
        #[arg(long, conflicts_with = "rm")]
        keep: bool,
        /// Remove the container afterwards: what dmap does anyway (as `docker compose run --rm`).
        #[arg(long)]
        rm: bool,
        /// Leave what the configuration depends on as it is: start nothing else.
        #[arg(long)]
        no_deps: bool,
        /// Publish the configuration's ports too (else none, so it can run beside the service).
        #[arg(long)]
        service_ports: bool,
        /// Name the container (else `MAP.CONFIG-run-TOKEN`, Compose: `PROJECT-SERVICE-run-TOKEN`).
        #[arg(long)]
        name: Option<String>,
    },
    /// Build the images the recipe's maps declare (`m.images.NAME = df`), on the Engines the
    /// maps are handed to; the Engine's cache keeps unchanged steps quick.
    #[command(after_help = "Example:\n  dmap build deploy.rhai\n  dmap build -v deploy.rhai web")]
    Build {
        #[command(flatten)]
        recipe: Recipe,
        /// Image names as declared (or full references); all when none are given.
        names: Vec<String>,
    },
    /// Build the declared images that are not up to date, then push them to their registry
    /// (the map's `repository`), with the credentials of `~/.docker/config.json`.
    #[command(after_help = "Example:\n  dmap push deploy.rhai\n  dmap push deploy.rhai web")]
    Push {
        #[command(flatten)]
        recipe: Recipe,
        /// Image names as declared (or full references); all when none are given.
        names: Vec<String>,
    },
    /// Print the Dockerfiles of the images the recipe's maps declare.
    #[command(after_help = "Example:\n  dmap dockerfile deploy.rhai web > Dockerfile")]
    Dockerfile {
        #[command(flatten)]
        recipe: Recipe,
        /// One image name as declared (or its full reference); all when none is given.
        name: Option<String>,
    },
    /// Evaluate a recipe; its actions run against Docker as they are called.
    #[command(after_help = "Example:\n  dmap run deploy.rhai prod\n  dmap run --dry-run deploy.rhai")]
    Run {
        /// Plan every action and print it; change nothing.
        #[arg(long)]
        dry_run: bool,
        /// The recipe (`.rhai`); default: `dmap.rhai` here (a first argument that is no file
        /// and does not end in `.rhai`, `.yaml`, `.yml` is then the first of ARGS).
        file: Option<PathBuf>,
        /// Visible to the recipe as the array `ARGS`; after `--` when they start with `-`.
        args: Vec<String>,
    },
    /// Load a recipe or a docker-map YAML map, run every integrity check, contact no Engine.
    #[command(after_help = "Example:\n  dmap check deploy.rhai\n  dmap check site.yaml")]
    Check {
        /// A recipe (`.rhai`), a Compose file or a docker-map YAML map (`.yaml`, `.yml`); default:
        /// as for `up` (a first argument that is no file is then the first of ARGS).
        file: Option<PathBuf>,
        /// Recipe arguments (`ARGS`); after `--` when they start with `-`.
        args: Vec<String>,
    },
    /// Print the resolved model of the maps.
    #[command(after_help = "Example:\n  dmap show deploy.rhai\n  dmap show --json site.yaml")]
    Show {
        /// One JSON document instead of text.
        #[arg(long)]
        json: bool,
        /// A recipe (`.rhai`), a Compose file or a docker-map YAML map (`.yaml`, `.yml`); default:
        /// as for `up` (a first argument that is no file is then the first of ARGS).
        file: Option<PathBuf>,
        /// Recipe arguments (`ARGS`); after `--` when they start with `-`.
        args: Vec<String>,
    },
    /// Print a recipe that makes the same map as a Compose file, one configuration per service.
    #[command(
        after_help = "Example:\n  dmap convert compose.yaml > dmap.rhai\n  dmap show --json dmap.rhai      # the same model as `dmap show --json compose.yaml`"
    )]
    Convert {
        /// The Compose file (`.yaml`, `.yml`); default: `compose.yaml`, `compose.yml`,
        /// `docker-compose.yaml` or `docker-compose.yml` here.
        file: Option<PathBuf>,
    },
    /// An interactive session: Rhai statements, one scope, completion and history; `:help`.
    #[command(
        after_help = "Example:\n  dmap repl\n  dmap repl deploy.rhai -a prod     # its maps and functions at hand\n\nAt the prompt:\n  :help [NAME]  functions, or one function's signature and documentation\n  :plan [TARGET...]    what `dmap plan` would print for the maps in scope\n  :status [TARGET...]  what `dmap status` would print\n  :quit         leave (also Ctrl-D)"
    )]
    Repl {
        #[command(flatten)]
        recipe: OptionalRecipe,
    },
    /// Print a shell completion script.
    #[command(
        after_help = "Example:\n  dmap completions bash > /etc/bash_completion.d/dmap\n  dmap completions zsh > \"${fpath[1]}/_dmap\""
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// What may replace the last of WORDS (a command line after `dmap`): what the scripts of
    /// `completions` call.
    #[command(name = "__complete", hide = true)]
    Complete {
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        words: Vec<String>,
    },
}
