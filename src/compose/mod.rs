//! Compose files (the Compose Specification) as maps: the text of a `compose.yaml` and its
//! environment → a [`crate::model::ContainerMap`] named as Compose names things. Pure: takes
//! texts and an environment lookup, reads no files.

pub(crate) mod dotenv;
pub(crate) mod interpolate;
