//! `.dockerignore`, exactly as Docker reads it.
