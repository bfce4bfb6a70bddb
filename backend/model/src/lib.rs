//! Pure cores of the backend: the records the control plane stores, the in-memory state they
//! project into, and the immutable [`Snapshot`] the data plane serves from, with its routing
//! and DNS lookups. No sockets, no database.

pub mod auth;
pub mod explain;
pub mod firewall;
#[doc(hidden)]
pub mod fuzzing;
pub mod health;
pub mod iam;
pub mod iam_policies;
pub mod policy_grammar;
pub mod records;
pub mod resources;
pub mod route;
pub mod snapshot;
pub mod state;

pub use lattice_api::ids::id_of;
pub use snapshot::{compile, Snapshot};
pub use state::{Object, ObjectChange, State};
