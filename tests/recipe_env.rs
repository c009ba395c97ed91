//! `env(...)` in recipes: the process environment, then the `.env` beside the main recipe.

use crate::support::harness::{unindent, Test};

/// The recipe prints three variables: one only in `.env`, one in both (the process's wins), one
/// in `.env` built from another; a library it imports reads the same `.env`.
#[test]
fn the_dotenv_beside_the_main_recipe_feeds_env_and_the_process_environment_wins() {
    let dir = Test::new()
        .file(
            "stack/.env",
            "# the stack's settings\nSHOP_TAG=1.4\nexport SHOP_PORT=8080\nSHOP_URL=\"http://shop:${SHOP_PORT}/\"\n",
        )
        .file(
            "stack/lib/tag.rhai",
            "fn tag() { env(\"SHOP_TAG\") }\n",
        )
        .file(
            "stack/e.rhai",
            "import \"lib/tag\" as t;\nprint(`tag ${t::tag()}, port ${env(\"SHOP_PORT\")}, url ${env(\"SHOP_URL\")}, user ${env(\"SHOP_USER\", \"nobody\")}`);\n",
        )
        // `.env` in the current directory is not the recipe's
        .file(".env", "SHOP_USER=wrong\n");
    dir.clone()
        .args(["run", "stack/e.rhai"])
        .env("SHOP_PORT", "9090")
        .env_remove("SHOP_TAG")
        .env_remove("SHOP_URL")
        .env_remove("SHOP_USER")
        .run()
        .success()
        .stdout("tag 1.4, port 9090, url http://shop:9090/, user nobody\n");
    // Without the process's variable, the file's.
    dir.args(["run", "stack/e.rhai"])
        .env_remove("SHOP_PORT")
        .env_remove("SHOP_TAG")
        .env_remove("SHOP_URL")
        .env_remove("SHOP_USER")
        .run()
        .success()
        .stdout("tag 1.4, port 8080, url http://shop:8080/, user nobody\n");
}

#[test]
fn a_malformed_dotenv_is_an_error_naming_it_its_line_and_what_is_wrong() {
    let dir = Test::new().file(".env", "A=1\nMY VAR=2\n").file(
        "e.rhai",
        "let m = container_map(\"e\");\nm.default_tag = env(\"A\", \"latest\");\nm\n",
    );
    dir.clone()
        .args(["check", "e.rhai"])
        .env_remove("A")
        .run()
        .failure()
        .stderr(&unindent(
            r#"
            error: `.env`: line 2: variable name `MY VAR` contains a space
              --> e.rhai:2:17
               |
             2 | m.default_tag = env("A", "latest");
               |                 ^
            "#,
        ));
    // The process environment wins, but the file is read all the same: an error is never hidden.
    dir.clone()
        .args(["check", "e.rhai"])
        .env("A", "1")
        .run()
        .failure()
        .stderr_has("error: `.env`: line 2: variable name `MY VAR` contains a space\n");
    // A recipe that reads no variable does not read the file.
    dir.file("n.rhai", "container_map(\"n\")\n")
        .args(["check", "n.rhai"])
        .run()
        .success();
}

#[test]
fn a_dotenv_variable_referring_to_an_unset_one_is_warned_about_as_compose_does() {
    Test::new()
        .file(".env", "A=${DMAP_TEST_DOTENV_UNSET}x\n")
        .file("e.rhai", "print(`A is ${env(\"A\")}`);\nprint(env(\"A\"));\n")
        .args(["run", "e.rhai"])
        .env_remove("A")
        .env_remove("DMAP_TEST_DOTENV_UNSET")
        .run()
        .success()
        .stdout("warning: the `DMAP_TEST_DOTENV_UNSET` variable is not set: it defaults to a blank string\nA is x\nx\n");
}
