//! The labels dmap puts on every Engine object it creates; it changes or removes only objects
//! that carry them for the map at hand.

/// The map an object belongs to.
pub(crate) const MAP: &str = "dmap.map";
/// The container configuration (containers) or owning configuration (attached volumes).
pub(crate) const CONFIG: &str = "dmap.config";
/// The instance, when the configuration has instances.
pub(crate) const INSTANCE: &str = "dmap.instance";
/// The client the object was created through.
pub(crate) const CLIENT: &str = "dmap.client";
/// What the object is: `container`, `volume`, `network`, `helper` (a volume-preparation
/// container), `job` (`dmap job`), `adoption` (a marker recording an adopted volume or network), `lock` (a volume of
/// the lock of a map, `runtime::lock`).
pub(crate) const KIND: &str = "dmap.kind";
pub(crate) const KIND_HELPER: &str = "helper";
/// A one-off container of a configuration (`dmap job`).
pub(crate) const KIND_JOB: &str = "job";
pub(crate) const KIND_ADOPTION: &str = "adoption";
pub(crate) const KIND_LOCK: &str = "lock";
/// On a lock's volumes: the token of the dmap process holding it (unique per acquisition).
pub(crate) const LOCK_HOLDER: &str = "dmap.lock.holder";
/// On a lock's volumes: the holder's process id, host name and boot id (its machine), and what
/// it does (the action's name).
pub(crate) const LOCK_PID: &str = "dmap.lock.pid";
pub(crate) const LOCK_HOST: &str = "dmap.lock.host";
pub(crate) const LOCK_BOOT: &str = "dmap.lock.boot";
pub(crate) const LOCK_ACTION: &str = "dmap.lock.action";
/// On a lock's volumes: the holder's lease in seconds (how long it may show no sign of life).
pub(crate) const LOCK_LEASE: &str = "dmap.lock.lease";
/// On an adoption marker: what it records, `volume:NAME` or `network:NAME`.
pub(crate) const ADOPTED: &str = "dmap.adopted";
/// The canonical applied container spec (JSON), so `update` can say which field changed.
pub(crate) const SPEC: &str = "dmap.spec";
/// The schema of `dmap.spec`; a newer dmap reads older schemas without recreating. 2: the
/// environment's values are recorded as digests (`runtime::record`).
pub(crate) const SCHEMA: &str = "dmap.schema";
pub(crate) const SCHEMA_VERSION: &str = "2";
/// On an image dmap built: the digest of its context (`sha256:HEX` of the uncompressed tar), so
/// an unchanged context is not sent again.
pub(crate) const CONTEXT: &str = "dmap.context";
