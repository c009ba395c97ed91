//! Files copied into the running containers of the targets (`up --watch`'s `sync` rules), on
//! every client that runs them, without recreating them.

use super::images::Digests;
use super::{Error, Prepared, Request, Session};
use crate::runtime::sync::{sync, Synced};

impl Session {
    /// Copies `files` into each container of the request's targets (removing there those gone
    /// here); returns the containers brought up to date.
    pub(crate) fn sync(&self, request: &Request<'_>, files: &[Synced]) -> Result<Vec<String>, Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let mut digests = Digests::default();
        let mut synced = Vec::new();
        for (client, config) in request.clients {
            let Some((driver, desired, targets)) = self.client(&prepared, client, config, &mut digests)?
            else {
                continue;
            };
            for container in targets {
                if let Some(message) = desired.kind().exec_refusal(client, &container) {
                    return Err(Error::Usage { message });
                }
                self.block_on(sync(&driver, &container, files))?
                    .map_err(|error| Error::Stream { error })?;
                synced.push(container);
            }
        }
        Ok(synced)
    }
}
