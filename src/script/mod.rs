//! The Rhai interpreter: recipes build maps through handles; model-building functions do no I/O beyond
//! reading the files a recipe names (`load_map`, `import`).

pub(crate) mod api;
pub(crate) mod compose_file;
pub(crate) mod convert;
pub(crate) mod docs;
pub(crate) mod error;
pub(crate) mod handles;
pub(crate) mod hints;
pub(crate) mod input_file;
pub(crate) mod interpreter;
pub(crate) mod limits;
pub(crate) mod members;
pub(crate) mod output;
pub(crate) mod recipe_env;
pub(crate) mod resolver;
pub(crate) mod select;
pub(crate) mod sources;
pub(crate) mod static_executable;
pub(crate) mod stdlib;
pub(crate) mod vocabulary;

#[cfg(test)]
mod tests;

pub(crate) use error::Error;
pub(crate) use interpreter::Interpreter;
pub(crate) use limits::Limits;
pub(crate) use output::Output;
pub(crate) use select::MapImage;
