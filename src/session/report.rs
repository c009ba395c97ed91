//! What an action did (or, planned only, would do): one record per step.

/// One step taken.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Done {
    pub client: String,
    /// The container, volume, network or image the step acted on.
    pub subject: String,
    /// The step's name as recipes see it (`create`, `start`, `connect`, ...).
    pub action: &'static str,
    pub reason: String,
    /// The network, for `connect` and `disconnect`.
    pub network: Option<String>,
}

/// The steps of one action, in plan order, client by client.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Report {
    pub steps: Vec<Done>,
    /// What was noticed and left alone, by client (orphans, volume changes).
    pub notes: Vec<(String, String)>,
}
