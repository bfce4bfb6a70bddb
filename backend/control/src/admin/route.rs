//! The admin API's routing vocabulary: a route is a method, a path pattern (`vpcs/{}`: one
//! segment taken as the id) and what answers it. Each noun's file lists its routes; `mod.rs`
//! joins the lists into the one table requests are matched against.

use std::future::Future;
use std::pin::Pin;

use lattice_api::ApiError;
use lattice_model::State;
use serde_json::Value;

use crate::http::HttpResponse;
use crate::kit::{Ctx, OpResult};
use crate::Backend;

pub(crate) type Answer = Result<HttpResponse, ApiError>;
pub(crate) type BoxAnswer<'a> = Pin<Box<dyn Future<Output = Answer> + Send + 'a>>;

/// How a route answers.
pub(crate) enum Action {
    /// Reads the state: the caller, the state, the path's id (empty when it has none).
    Read(fn(&Ctx, &State, &str) -> Result<Value, ApiError>),
    /// One write, answered with this status (204: no body): caller, state, id, request body.
    Write(u16, fn(&Ctx, &State, &str, &Value) -> OpResult),
    /// Anything that needs the backend itself (live ports, the data plane, the CA).
    Custom(for<'a> fn(&'a Backend, &'a Ctx, &'a str, &'a Value) -> BoxAnswer<'a>),
}

pub(crate) struct Route {
    pub method: &'static str,
    pub path: &'static str,
    pub action: Action,
}

impl Route {
    /// The id `parts` give for `{}` when the route matches `method` and `parts`.
    pub(crate) fn matches<'p>(&self, method: &str, parts: &[&'p str]) -> Option<&'p str> {
        if self.method != method {
            return None;
        }
        let pattern: Vec<&str> = self.path.split('/').collect();
        if pattern.len() != parts.len() {
            return None;
        }
        let mut id = "";
        for (want, got) in pattern.iter().zip(parts) {
            match *want {
                "{}" => id = got,
                literal if literal == *got => {}
                _ => return None,
            }
        }
        Some(id)
    }
}

pub(crate) const fn read(
    method: &'static str,
    path: &'static str,
    f: fn(&Ctx, &State, &str) -> Result<Value, ApiError>,
) -> Route {
    Route { method, path, action: Action::Read(f) }
}

pub(crate) const fn write(
    method: &'static str,
    path: &'static str,
    status: u16,
    f: fn(&Ctx, &State, &str, &Value) -> OpResult,
) -> Route {
    Route { method, path, action: Action::Write(status, f) }
}

pub(crate) const fn custom(
    method: &'static str,
    path: &'static str,
    f: for<'a> fn(&'a Backend, &'a Ctx, &'a str, &'a Value) -> BoxAnswer<'a>,
) -> Route {
    Route { method, path, action: Action::Custom(f) }
}

/// `{ "items": [...] }` of what an account owns in `map`, as `wire` shows it.
pub(crate) fn items<T: lattice_model::Object>(
    ctx: &Ctx,
    map: &std::collections::BTreeMap<String, T>,
    wire: impl Fn(&T) -> Value,
) -> Value {
    let items: Vec<Value> = map.values().filter(|o| ctx.owns(*o)).map(wire).collect();
    serde_json::json!({ "items": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nothing(_: &Ctx, _: &State, _: &str) -> Result<Value, ApiError> {
        Ok(Value::Null)
    }

    #[test]
    fn patterns_take_one_id_and_match_whole_paths() {
        let route = read("POST", "organizations/{}/accept", nothing);
        assert_eq!(route.matches("POST", &["organizations", "o-1", "accept"]), Some("o-1"));
        assert_eq!(route.matches("GET", &["organizations", "o-1", "accept"]), None);
        assert_eq!(route.matches("POST", &["organizations", "o-1"]), None);
        assert_eq!(route.matches("POST", &["organizations", "o-1", "leave"]), None);
        assert_eq!(read("GET", "vpcs", nothing).matches("GET", &["vpcs"]), Some(""));
    }
}
