//! Runtime state the control plane and the data plane share outside any snapshot: where
//! sockets are actually bound and which could not be (`bindings`), namespace requests, live
//! target health and in-flight counts (`health`), traffic counters per service, listener and
//! target (`traffic`), the local certificate authority (`ca`), and
//! the worker processes Lambda functions run in (`functions`).
//! Handles with locks, atomics and channels live here so that `lattice-model` stays pure.

pub mod bindings;
pub mod ca;
pub mod functions;
pub mod health;
pub mod traffic;
