//! Interpolation of `$VAR` and `${VAR...}` in Compose files, as Compose v2 does it.
