//! What `env(...)` reads: the process environment, then the `.env` file beside the main recipe
//! (the current directory for a recipe that is no file, as the REPL's inputs), read as Compose
//! reads its `.env` ([`crate::compose::dotenv`]) once, at the first `env(...)`.

use std::cell::OnceCell;
use std::path::{Path, PathBuf};

use crate::compose::dotenv::{self, Dotenv};

/// The environment of one main recipe.
#[derive(Debug, Default)]
pub(crate) struct RecipeEnv {
    /// The directory of the main recipe; empty: the current directory.
    dir: PathBuf,
    /// The `.env` file's variables (none when there is no such file), or why it can't be read.
    dotenv: OnceCell<Result<Dotenv, String>>,
}

/// What reading the `.env` file printed: Compose's warnings (variables it refers to that are
/// unset).
pub(crate) type Warnings = Vec<String>;

impl RecipeEnv {
    /// The environment of the main recipe `path`.
    pub(crate) fn beside(path: &Path) -> Self {
        RecipeEnv {
            dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            dotenv: OnceCell::new(),
        }
    }

    /// The `.env` file, as errors name it (`.env`, `scripts/.env`).
    pub(crate) fn file_label(&self) -> String {
        self.dir.join(".env").to_string_lossy().into_owned()
    }

    /// The value of `name`: the process's, else the `.env` file's (`None`: unset, or set to
    /// no text in the process); an error says what is wrong with the `.env` file. The first call that reads the file also returns its warnings.
    pub(crate) fn var(&self, name: &str) -> Result<(Option<String>, Warnings), String> {
        // Read at the first call, whatever the name: a bad file is never hidden by the process
        // environment.
        let mut warnings = Vec::new();
        let dotenv = self.dotenv.get_or_init(|| {
            let read = read(&self.dir.join(".env"), &self.file_label());
            if let Ok(d) = &read {
                warnings = d
                    .unset()
                    .iter()
                    .map(|n| crate::compose::unset_warning(n))
                    .collect();
            }
            read
        });
        let dotenv = dotenv.as_ref().map_err(Clone::clone)?;
        let value = match std::env::var(name) {
            Ok(value) => Some(value),
            // set, but not to text: not overridden by the file either
            Err(std::env::VarError::NotUnicode(_)) => None,
            Err(std::env::VarError::NotPresent) => dotenv.get(name).map(str::to_string),
        };
        Ok((value, warnings))
    }
}

/// The variables of the `.env` file at `path` (none when it does not exist), or what is wrong
/// with it, naming it `label`.
fn read(path: &Path, label: &str) -> Result<Dotenv, String> {
    if std::fs::symlink_metadata(path).is_err() {
        return Ok(Dotenv::default());
    }
    let text = super::input_file::read(path, label).map_err(|e| e.to_string())?;
    dotenv::parse(&text, &|n| std::env::var(n).ok()).map_err(|e| format!("`{label}`: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dotenv_file_beside_the_recipe_is_read_once_after_the_process_environment() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let recipe = dir.join("r.rhai");
        // The process environment of the test binary has PATH; nothing names these variables.
        std::fs::write(
            dir.join(".env"),
            "DMAP_TEST_DOTENV_A=from the file\nPATH=not this\nexport DMAP_TEST_DOTENV_B=\"b ${DMAP_TEST_DOTENV_A}\"\nDMAP_TEST_DOTENV_C=${DMAP_TEST_DOTENV_UNSET}\n",
        )
        .expect("write .env");
        let env = RecipeEnv::beside(&recipe);
        let (a, warnings) = env.var("DMAP_TEST_DOTENV_A").expect("reads");
        assert_eq!(a.as_deref(), Some("from the file"));
        assert_eq!(
            warnings,
            ["the `DMAP_TEST_DOTENV_UNSET` variable is not set: it defaults to a blank string"]
        );
        // read once: no warnings again, even when the file changes
        std::fs::write(dir.join(".env"), "DMAP_TEST_DOTENV_A=changed\n").expect("write .env");
        let cases = [
            ("DMAP_TEST_DOTENV_A", Some("from the file")),
            ("DMAP_TEST_DOTENV_B", Some("b from the file")),
            ("DMAP_TEST_DOTENV_C", Some("")),
            ("DMAP_TEST_DOTENV_NONE", None),
        ];
        for (name, want) in cases {
            let (got, warnings) = env.var(name).expect("reads");
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
            assert_eq!(got.as_deref(), want, "{name}");
        }
        // the process environment wins
        let path = std::env::var("PATH").expect("the tests run with a PATH");
        assert_eq!(env.var("PATH"), Ok((Some(path), Vec::new())));
    }

    #[test]
    fn a_missing_file_is_no_variables_and_a_bad_one_an_error_naming_it() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path();
        let env = RecipeEnv::beside(&dir.join("r.rhai"));
        assert_eq!(env.var("DMAP_TEST_DOTENV_A"), Ok((None, Vec::new())));
        let label = dir.join(".env").to_string_lossy().into_owned();
        // (the file's text, the error after its name)
        let cases = [
            (
                "A=1\nMY VAR=2\n",
                "line 2: variable name `MY VAR` contains a space",
            ),
            ("A=\"open\nB=1\n", "line 1: unterminated quoted value `\"open`"),
            (
                "A=${B:?needs B}\n",
                "line 1: required variable `B` is missing a value: needs B",
            ),
        ];
        for (text, want) in cases {
            std::fs::write(dir.join(".env"), text).expect("write .env");
            let env = RecipeEnv::beside(&dir.join("r.rhai"));
            assert_eq!(
                env.var("DMAP_TEST_DOTENV_A"),
                Err(format!("`{label}`: {want}")),
                "{text}"
            );
        }
        std::fs::remove_file(dir.join(".env")).expect("remove .env");
        std::fs::create_dir(dir.join(".env")).expect("a directory");
        let env = RecipeEnv::beside(&dir.join("r.rhai"));
        assert_eq!(
            env.var("DMAP_TEST_DOTENV_A"),
            Err(format!(
                "`{label}` is not a regular file (a directory): only regular files are read"
            ))
        );
    }

    #[test]
    fn a_recipe_that_is_no_file_reads_the_current_directory() {
        assert_eq!(RecipeEnv::default().file_label(), ".env");
        assert_eq!(RecipeEnv::beside(Path::new("r.rhai")).file_label(), ".env");
        assert_eq!(
            RecipeEnv::beside(Path::new("scripts/demo.rhai")).file_label(),
            "scripts/.env"
        );
    }
}
