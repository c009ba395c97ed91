//! Build contexts: the tar a build sends to the Engine (the Dockerfile and every file it adds),
//! deterministic and streamed, with Docker's `.dockerignore` rules.

pub mod ignore;
