//! The Rhai interpreter: recipes build maps through handles; model-building functions do no I/O beyond
//! reading the files a recipe names (`load_map`, `import`).

pub mod api;
pub mod convert;
pub mod docs;
pub mod error;
pub mod handles;
pub mod hints;
pub mod interpreter;
pub mod output;
pub mod resolver;
pub mod select;
pub mod sources;
pub mod stdlib;
pub mod vocabulary;

#[cfg(test)]
mod tests;

pub use error::Error;
pub use interpreter::{Interpreter, Limits};
pub use output::Output;
pub use select::MapImage;
