//! `.env` files as Compose reads them.
