//! The generic resource and data source: plans from the schema description (defaults,
//! computed values, ForceNew replacement, validation with attribute paths) and delegates the
//! API calls to a [`Kind`]. Follows the AWS provider's CRUD contract: create records the id and
//! reads back; read reports "gone" on NotFound; delete treats NotFound as done.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{Map, Value as Json};
use tf_provider::schema::Schema;
use tf_provider::value::ValueAny;
use tf_provider::{AttributePath, DataSource, Diagnostics, Resource};

use crate::client::{Client, ClientError, SharedClient};
use crate::schema::{Attr, BlockDef, Default, Mode, Ty, TypeSchema, TIMEOUTS};

/// One Terraform resource type: its schema and its API calls.
#[async_trait]
pub(crate) trait Kind: Send + Sync {
    /// Used in error messages: "creating VPC Lattice Service (name): …".
    fn label(&self) -> &'static str;
    fn schema(&self) -> TypeSchema;
    /// Cross-attribute checks at plan time.
    fn validate(&self, _config: &Json, _diags: &mut Diagnostics) {}
    /// Creates the object; returns its Terraform id.
    async fn create(&self, c: &Client, plan: &Json) -> Result<String, ClientError>;
    /// The full state, or `None` when the object is gone.
    async fn read(&self, c: &Client, id: &str, prior: &Json) -> Result<Option<Json>, ClientError>;
    async fn update(&self, c: &Client, id: &str, prior: &Json, plan: &Json) -> Result<(), ClientError>;
    async fn delete(&self, c: &Client, id: &str, state: &Json) -> Result<(), ClientError>;
    fn importable(&self) -> bool {
        true
    }
    /// The id `terraform import` was given, as this type's id (or what was expected instead).
    fn import_id(&self, id: &str) -> Result<String, String> {
        Ok(id.to_string())
    }
}

/// One Terraform data source type.
#[async_trait]
pub(crate) trait DataKind: Send + Sync {
    fn label(&self) -> &'static str;
    fn schema(&self) -> TypeSchema;
    fn validate(&self, _config: &Json, _diags: &mut Diagnostics) {}
    async fn read(&self, c: &Client, config: &Json) -> Result<Json, ClientError>;
}

// ---- value conversions ---------------------------------------------------------------------

pub(crate) fn to_json(v: &ValueAny) -> Json {
    match v {
        ValueAny::String(s) => Json::String(s.clone()),
        ValueAny::Number(n) => Json::from(*n),
        ValueAny::Bool(b) => Json::Bool(*b),
        ValueAny::List(l) => Json::Array(l.iter().map(to_json).collect()),
        ValueAny::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        ValueAny::Null | ValueAny::Unknown => Json::Null,
    }
}

/// How [`to_json_for_validation`] writes an unknown value.
pub(crate) const UNKNOWN: &str = "(known after apply)";

/// For plan-time checks: unknown values (known only after apply) count as set.
pub(crate) fn to_json_for_validation(v: &ValueAny) -> Json {
    match v {
        ValueAny::Unknown => Json::String(UNKNOWN.into()),
        ValueAny::List(l) => Json::Array(l.iter().map(to_json_for_validation).collect()),
        ValueAny::Map(m) => Json::Object(m.iter().map(|(k, v)| (k.clone(), to_json_for_validation(v))).collect()),
        other => to_json(other),
    }
}

pub(crate) fn from_json(v: &Json) -> ValueAny {
    match v {
        Json::String(s) => ValueAny::String(s.clone()),
        Json::Number(n) => ValueAny::Number(n.as_i64().unwrap_or_default()),
        Json::Bool(b) => ValueAny::Bool(*b),
        Json::Array(l) => ValueAny::List(l.iter().map(from_json).collect()),
        Json::Object(m) => ValueAny::Map(m.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
        Json::Null => ValueAny::Null,
    }
}

fn default_value(d: &Default) -> ValueAny {
    match d {
        Default::Str(s) => ValueAny::String(s.to_string()),
        Default::Num(n) => ValueAny::Number(*n),
        Default::Bool(b) => ValueAny::Bool(*b),
    }
}

/// Makes `state` hold exactly the schema's attributes and blocks (missing ones null / empty),
/// converting numbers and lists to the declared types.
/// Configuration-only blocks (`timeouts`) are not stored by the API: keep the prior value.
fn keep_config_only_blocks(schema: &TypeSchema, state: &mut Json, prior: &Json) {
    if schema.blocks.iter().any(|b| b.name == TIMEOUTS) && state.get(TIMEOUTS).is_none() {
        if let Some(map) = state.as_object_mut() {
            map.insert(TIMEOUTS.into(), prior.get(TIMEOUTS).cloned().unwrap_or(Json::Array(vec![])));
        }
    }
}

fn conform(attrs: &[Attr], blocks: &[BlockDef], state: &Json) -> ValueAny {
    let mut out = BTreeMap::new();
    for a in attrs {
        let v = state.get(a.name).cloned().unwrap_or(Json::Null);
        let v = match (&a.ty, &v) {
            (Ty::ListOfObject(fields), Json::Array(items)) => ValueAny::List(
                items
                    .iter()
                    .map(|item| {
                        ValueAny::Map(
                            fields
                                .iter()
                                .map(|(n, _)| (n.to_string(), from_json(item.get(*n).unwrap_or(&Json::Null))))
                                .collect(),
                        )
                    })
                    .collect(),
            ),
            _ => from_json(&v),
        };
        out.insert(a.name.to_string(), v);
    }
    for b in blocks {
        let items = state.get(b.name).and_then(Json::as_array).cloned().unwrap_or_default();
        out.insert(b.name.to_string(), ValueAny::List(items.iter().map(|i| conform(&b.attrs, &b.blocks, i)).collect()));
    }
    ValueAny::Map(out)
}

fn null_state(schema: &TypeSchema) -> ValueAny {
    conform(&schema.attrs, &schema.blocks, &Json::Object(Map::new()))
}

// ---- validation ----------------------------------------------------------------------------

fn validate_object(attrs: &[Attr], blocks: &[BlockDef], obj: &ValueAny, path: AttributePath, diags: &mut Diagnostics) {
    let ValueAny::Map(map) = obj else { return };
    for a in attrs {
        let at = path.clone().attribute(a.name);
        match map.get(a.name) {
            Some(ValueAny::String(s)) => {
                model_check(a, &Json::String(s.clone()), &at, diags);
                if let Some(check) = a.validate {
                    if let Err(msg) = check(s) {
                        diags.error(format!("Invalid {}", a.name), format!("\"{s}\": {msg}"), at.clone());
                    }
                }
                if !a.one_of.is_empty() && !a.one_of.contains(&s.as_str()) {
                    diags.error(
                        format!("Invalid {}", a.name),
                        format!("expected {} to be one of [{}], got \"{s}\"", a.name, a.one_of.join(", ")),
                        at,
                    );
                }
            }
            Some(ValueAny::Number(n)) => {
                model_check(a, &Json::from(*n), &at, diags);
                if let Some((min, max)) = a.range {
                    if *n < min || *n > max {
                        diags.error(
                            format!("Invalid {}", a.name),
                            format!("expected {} to be in the range ({min} - {max}), got {n}", a.name),
                            at,
                        );
                    }
                }
            }
            _ => {}
        }
    }
    for b in blocks {
        let at = path.clone().attribute(b.name);
        let items = match map.get(b.name) {
            Some(ValueAny::List(items)) => items.as_slice(),
            Some(ValueAny::Unknown) => continue,
            _ => &[],
        };
        if items.len() < b.min {
            diags.error(
                format!("Missing required block \"{}\"", b.name),
                format!(
                    "At least {} \"{}\" block{} required.",
                    b.min,
                    b.name,
                    if b.min == 1 { " is" } else { "s are" }
                ),
                at.clone(),
            );
        }
        if items.len() > b.max {
            // Worded as Terraform words the limits it checks itself (blocks of at most one).
            diags.error(
                format!("Too many {} blocks", b.name),
                format!("No more than {} \"{}\" blocks are allowed.", b.max, b.name),
                at.clone(),
            );
        }
        for (i, item) in items.iter().enumerate() {
            validate_object(&b.attrs, &b.blocks, item, at.clone().index(i as i64), diags);
        }
    }
}

/// What the VPC Lattice API would say about `value` as the member `a` is linked to.
fn model_check(a: &Attr, value: &Json, at: &AttributePath, diags: &mut Diagnostics) {
    let Some((operation, member)) = a.model else { return };
    for message in lattice_api::model::vpc_lattice().check_member(operation, member, value) {
        diags.error(format!("Invalid {}", a.name), message, at.clone());
    }
}

/// Schema checks plus the type's own cross-attribute checks.
fn validate_config(
    schema: &TypeSchema,
    config: &ValueAny,
    diags: &mut Diagnostics,
    type_checks: impl FnOnce(&Json, &mut Diagnostics),
) {
    validate_object(&schema.attrs, &schema.blocks, config, AttributePath::root(), diags);
    type_checks(&to_json_for_validation(config), diags);
}

// ---- planning ------------------------------------------------------------------------------

/// Fills defaults and computed values of a proposed object. With a prior object (an update),
/// computed values carry over; without one (a create) they become unknown.
fn plan_object(attrs: &[Attr], blocks: &[BlockDef], proposed: &mut ValueAny, prior: Option<&ValueAny>) {
    let ValueAny::Map(map) = proposed else { return };
    let prior_map = match prior {
        Some(ValueAny::Map(m)) => Some(m),
        _ => None,
    };
    for a in attrs {
        let v = map.entry(a.name.to_string()).or_insert(ValueAny::Null);
        if *v != ValueAny::Null {
            continue;
        }
        if let Some(d) = &a.default {
            *v = default_value(d);
        } else if matches!(a.mode, Mode::Computed | Mode::OptionalComputed) {
            *v = match prior_map {
                Some(m) => m.get(a.name).cloned().unwrap_or(ValueAny::Null),
                None => ValueAny::Unknown,
            };
        }
    }
    for b in blocks {
        if let Some(ValueAny::List(items)) = map.get_mut(b.name) {
            let prior_items = prior_map.and_then(|m| m.get(b.name));
            for (i, item) in items.iter_mut().enumerate() {
                let prior_item = match prior_items {
                    Some(ValueAny::List(p)) => p.get(i),
                    _ => None,
                };
                plan_object(&b.attrs, &b.blocks, item, prior_item);
            }
        }
    }
}

/// Paths of ForceNew attributes whose planned value differs from the prior one, and whether
/// anything the user controls changed at all.
fn diff(
    attrs: &[Attr],
    blocks: &[BlockDef],
    planned: &ValueAny,
    prior: &ValueAny,
    path: AttributePath,
    block_force_new: bool,
    replace: &mut Vec<AttributePath>,
) -> bool {
    let (ValueAny::Map(new), ValueAny::Map(old)) = (planned, prior) else {
        return planned != prior;
    };
    let mut changed = false;
    for a in attrs.iter().filter(|a| a.mode != Mode::Computed) {
        let (n, o) = (new.get(a.name).unwrap_or(&ValueAny::Null), old.get(a.name).unwrap_or(&ValueAny::Null));
        if n != o {
            changed = true;
            let same_object = match (a.equivalent, n, o) {
                (Some(eq), ValueAny::String(x), ValueAny::String(y)) => eq(x, y),
                _ => false,
            };
            if (a.force_new || block_force_new) && !same_object {
                replace.push(path.clone().attribute(a.name));
            }
        }
    }
    for b in blocks {
        let empty = ValueAny::List(vec![]);
        let (n, o) = (new.get(b.name).unwrap_or(&empty), old.get(b.name).unwrap_or(&empty));
        let (ValueAny::List(ni), ValueAny::List(oi)) = (n, o) else {
            if n != o {
                changed = true;
                if b.force_new || block_force_new {
                    replace.push(path.clone().attribute(b.name));
                }
            }
            continue;
        };
        if ni.len() != oi.len() {
            changed = true;
            // Adding or removing a block replaces the object when the block holds ForceNew
            // attributes (they cannot be set in place).
            if b.force_new || block_force_new || b.attrs.iter().any(|a| a.force_new) {
                replace.push(path.clone().attribute(b.name));
            }
            continue;
        }
        for (i, (x, y)) in ni.iter().zip(oi).enumerate() {
            let at = path.clone().attribute(b.name).index(i as i64);
            changed |= diff(&b.attrs, &b.blocks, x, y, at, b.force_new || block_force_new, replace);
        }
    }
    changed
}

fn mark_volatile_unknown(attrs: &[Attr], planned: &mut ValueAny) {
    if let ValueAny::Map(map) = planned {
        for a in attrs.iter().filter(|a| a.volatile) {
            map.insert(a.name.to_string(), ValueAny::Unknown);
        }
    }
}

/// Runs an API call on its own task, so that a panic in it becomes an error diagnostic
/// instead of Terraform's bare "Request cancelled".
async fn isolated<T, F>(call: F) -> Result<T, ClientError>
where
    T: Send + 'static,
    F: std::future::Future<Output = Result<T, ClientError>> + Send + 'static,
{
    match tokio::spawn(call).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => {
            let payload = e.into_panic();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(ClientError::Transport(format!("internal error in the provider (please report it): {message}")))
        }
        Err(e) => Err(ClientError::Transport(format!("the request was cancelled: {e}"))),
    }
}

// ---- the resource --------------------------------------------------------------------------

pub(crate) struct GenericResource {
    pub(crate) kind: Arc<dyn Kind>,
    pub(crate) client: SharedClient,
}

fn id_of(state: &Json) -> String {
    state.get("id").and_then(Json::as_str).unwrap_or_default().to_string()
}

fn name_of(state: &Json) -> String {
    ["name", "id"].iter().find_map(|k| state.get(*k).and_then(Json::as_str)).unwrap_or_default().to_string()
}

impl GenericResource {
    fn client(&self, diags: &mut Diagnostics) -> Option<Client> {
        self.client.get(diags)
    }

    async fn read_back(
        &self,
        c: &Client,
        id: &str,
        prior: &Json,
        action: &str,
        diags: &mut Diagnostics,
    ) -> Option<ValueAny> {
        let schema = self.kind.schema();
        let result = {
            let (kind, c, id, prior) = (self.kind.clone(), c.clone(), id.to_string(), prior.clone());
            isolated(async move { kind.read(&c, &id, &prior).await }).await
        };
        match result {
            Ok(Some(mut state)) => {
                keep_config_only_blocks(&schema, &mut state, prior);
                crate::tags::settle(&schema, &mut state, prior, &c.default_tags);
                Some(conform(&schema.attrs, &schema.blocks, &state))
            }
            Ok(None) => {
                diags.root_error(
                    format!("{action} {} ({id})", self.kind.label()),
                    "the object was not found right after it was written",
                );
                None
            }
            Err(e) => {
                diags.root_error(format!("reading {} ({id})", self.kind.label()), e.to_string());
                None
            }
        }
    }
}

#[async_trait]
impl Resource for GenericResource {
    type State<'a> = ValueAny;
    type PrivateState<'a> = ValueAny;
    type ProviderMetaState<'a> = ValueAny;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(self.kind.schema().to_terraform())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_config(&self.kind.schema(), &config, diags, |c, d| self.kind.validate(c, d));
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let c = self.client(diags)?;
        let prior = to_json(&state);
        let id = id_of(&prior);
        let schema = self.kind.schema();
        let result = {
            let (kind, c, id, prior) = (self.kind.clone(), c.clone(), id.clone(), prior.clone());
            isolated(async move { kind.read(&c, &id, &prior).await }).await
        };
        match result {
            Ok(Some(mut s)) => {
                keep_config_only_blocks(&schema, &mut s, &prior);
                crate::tags::settle(&schema, &mut s, &prior, &c.default_tags);
                Some((conform(&schema.attrs, &schema.blocks, &s), private_state))
            }
            // Gone: Terraform drops it from state and plans to create it again.
            Ok(None) => Some((ValueAny::Null, private_state)),
            Err(e) => {
                diags.root_error(format!("reading {} ({id})", self.kind.label()), e.to_string());
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        _diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let schema = self.kind.schema();
        let mut planned = proposed_state;
        plan_object(&schema.attrs, &schema.blocks, &mut planned, None);
        crate::tags::plan(&schema, &mut planned, &config_state, &self.client.default_tags());
        Some((planned, ValueAny::Null))
    }

    async fn plan_update<'a>(
        &self,
        _diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let schema = self.kind.schema();
        let mut planned = proposed_state;
        plan_object(&schema.attrs, &schema.blocks, &mut planned, Some(&prior_state));
        let mut replace = Vec::new();
        let changed =
            diff(&schema.attrs, &schema.blocks, &planned, &prior_state, AttributePath::root(), false, &mut replace);
        if changed {
            mark_volatile_unknown(&schema.attrs, &mut planned);
        }
        if !replace.is_empty() {
            // The replacement gets new computed values.
            let ValueAny::Map(map) = &mut planned else {
                return Some((planned, prior_private_state, replace));
            };
            for a in schema.attrs.iter().filter(|a| a.mode == Mode::Computed) {
                map.insert(a.name.to_string(), ValueAny::Unknown);
            }
        }
        crate::tags::plan(&schema, &mut planned, &config_state, &self.client.default_tags());
        Some((planned, prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let c = self.client(diags)?;
        // Tag values unknown at plan time are known now.
        let mut planned_state = planned_state;
        crate::tags::plan(&self.kind.schema(), &mut planned_state, &config_state, &c.default_tags);
        let plan = to_json(&planned_state);
        let created = {
            let (kind, c, plan) = (self.kind.clone(), c.clone(), plan.clone());
            isolated(async move { kind.create(&c, &plan).await }).await
        };
        let id = match created {
            Ok(id) => id,
            Err(e) => {
                diags.root_error(format!("creating {} ({})", self.kind.label(), name_of(&plan)), e.to_string());
                return None;
            }
        };
        match self.read_back(&c, &id, &plan, "creating", diags).await {
            Some(state) => Some((state, planned_private_state)),
            // The object exists: Terraform must keep its id (it records the resource as
            // tainted, and the next apply replaces it) rather than orphan it.
            None => Some((created_but_unread(&self.kind.schema(), &plan, &id), planned_private_state)),
        }
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let c = self.client(diags)?;
        let mut planned_state = planned_state;
        crate::tags::plan(&self.kind.schema(), &mut planned_state, &config_state, &c.default_tags);
        let (prior, plan) = (to_json(&prior_state), to_json(&planned_state));
        let id = id_of(&prior);
        let updated = {
            let (kind, c, id, prior, plan) = (self.kind.clone(), c.clone(), id.clone(), prior.clone(), plan.clone());
            isolated(async move { kind.update(&c, &id, &prior, &plan).await }).await
        };
        if let Err(e) = updated {
            diags.root_error(format!("updating {} ({id})", self.kind.label()), e.to_string());
            return None;
        }
        let state = self.read_back(&c, &id, &plan, "updating", diags).await?;
        Some((state, planned_private_state))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let c = self.client(diags)?;
        let prior = to_json(&prior_state);
        let id = id_of(&prior);
        let result = {
            let (kind, c, id, prior) = (self.kind.clone(), c.clone(), id.clone(), prior.clone());
            isolated(async move { kind.delete(&c, &id, &prior).await }).await
        };
        match result {
            Ok(()) => Some(()),
            Err(ClientError::Api(e)) if e.is_not_found() => Some(()),
            Err(e) => {
                diags.root_error(format!("deleting {} ({id})", self.kind.label()), e.to_string());
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        if !self.kind.importable() {
            diags.root_error_short(format!("{} does not support import", self.kind.label()));
            return None;
        }
        let id = match self.kind.import_id(&id) {
            Ok(id) => id,
            Err(why) => {
                diags.root_error(format!("importing {}", self.kind.label()), why);
                return None;
            }
        };
        let mut state = null_state(&self.kind.schema());
        if let ValueAny::Map(m) = &mut state {
            m.insert("id".into(), ValueAny::String(id));
        }
        Some((state, ValueAny::Null))
    }
}

// ---- the data source -----------------------------------------------------------------------

pub(crate) struct GenericDataSource {
    pub(crate) kind: Arc<dyn DataKind>,
    pub(crate) client: SharedClient,
}

#[async_trait]
impl DataSource for GenericDataSource {
    type State<'a> = ValueAny;
    type ProviderMetaState<'a> = ValueAny;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(self.kind.schema().to_terraform())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        validate_config(&self.kind.schema(), &config, diags, |c, d| self.kind.validate(c, d));
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _meta: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let c = self.client.get(diags)?;
        let schema = self.kind.schema();
        let result = {
            let (kind, config) = (self.kind.clone(), to_json(&config));
            isolated(async move { kind.read(&c, &config).await }).await
        };
        match result {
            Ok(state) => Some(conform(&schema.attrs, &schema.blocks, &state)),
            Err(e) => {
                diags.root_error(format!("reading {}", self.kind.label()), e.to_string());
                None
            }
        }
    }
}

/// The state of an object that was created but could not be read back: the plan, its id,
/// and no unknown values (what was not known stays empty until the next refresh).
fn created_but_unread(schema: &TypeSchema, plan: &Json, id: &str) -> ValueAny {
    let mut state = plan.clone();
    if let Some(map) = state.as_object_mut() {
        map.insert("id".into(), Json::String(id.to_string()));
    }
    conform(&schema.attrs, &schema.blocks, &state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Attr;

    fn schema() -> (Vec<Attr>, Vec<BlockDef>) {
        (
            vec![
                Attr::string("id").computed(),
                Attr::string("name").required().force_new(),
                Attr::string("auth_type").optional_computed(),
                Attr::number("port").default(Default::Num(80)),
                Attr::string("updated_at").computed().volatile(),
            ],
            vec![
                BlockDef::new("cfg", 1, 1).attrs(vec![Attr::number("weight").default(Default::Num(100)).range(0, 999)])
            ],
        )
    }

    fn obj(pairs: &[(&str, ValueAny)]) -> ValueAny {
        ValueAny::Map(pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect())
    }

    #[test]
    fn a_created_object_that_cannot_be_read_keeps_its_id_and_no_unknowns() {
        let (attrs, blocks) = schema();
        let schema = TypeSchema { description: "", attrs, blocks };
        let mut p = obj(&[("name", ValueAny::String("a".into())), ("cfg", ValueAny::List(vec![obj(&[])]))]);
        plan_object(&schema.attrs, &schema.blocks, &mut p, None);
        let state = created_but_unread(&schema, &to_json(&p), "svc-0123456789abcdef0");
        let ValueAny::Map(m) = &state else { panic!() };
        assert_eq!(m["id"], ValueAny::String("svc-0123456789abcdef0".into()));
        assert_eq!(m["name"], ValueAny::String("a".into()));
        assert_eq!(m["updated_at"], ValueAny::Null, "what apply would have known stays empty");
    }

    #[test]
    fn create_plans_defaults_and_unknown_computed_values() {
        let (attrs, blocks) = schema();
        let mut p = obj(&[("name", ValueAny::String("a".into())), ("cfg", ValueAny::List(vec![obj(&[])]))]);
        plan_object(&attrs, &blocks, &mut p, None);
        let ValueAny::Map(m) = &p else { panic!() };
        assert_eq!(m["id"], ValueAny::Unknown);
        assert_eq!(m["port"], ValueAny::Number(80));
        let ValueAny::List(cfg) = &m["cfg"] else { panic!() };
        let ValueAny::Map(c) = &cfg[0] else { panic!() };
        assert_eq!(c["weight"], ValueAny::Number(100));
    }

    #[test]
    fn force_new_changes_ask_for_replacement_and_others_do_not() {
        let (attrs, blocks) = schema();
        let prior = obj(&[
            ("id", ValueAny::String("x".into())),
            ("name", ValueAny::String("a".into())),
            ("auth_type", ValueAny::String("NONE".into())),
        ]);
        let renamed = obj(&[
            ("id", ValueAny::String("x".into())),
            ("name", ValueAny::String("b".into())),
            ("auth_type", ValueAny::String("NONE".into())),
        ]);
        let mut replace = vec![];
        assert!(diff(&attrs, &blocks, &renamed, &prior, AttributePath::root(), false, &mut replace));
        assert_eq!(replace, vec![AttributePath::new("name")]);
        let reauth = obj(&[
            ("id", ValueAny::String("x".into())),
            ("name", ValueAny::String("a".into())),
            ("auth_type", ValueAny::String("AWS_IAM".into())),
        ]);
        replace.clear();
        assert!(diff(&attrs, &blocks, &reauth, &prior, AttributePath::root(), false, &mut replace));
        assert!(replace.is_empty());
    }

    #[test]
    fn validation_errors_carry_the_attribute_path() {
        let (attrs, blocks) = schema();
        let config = obj(&[("cfg", ValueAny::List(vec![obj(&[("weight", ValueAny::Number(1000))])]))]);
        let mut diags = Diagnostics::default();
        validate_object(&attrs, &blocks, &config, AttributePath::root(), &mut diags);
        assert_eq!(diags.errors.len(), 1);
        let missing = obj(&[]);
        let mut diags = Diagnostics::default();
        validate_object(&attrs, &blocks, &missing, AttributePath::root(), &mut diags);
        assert_eq!(diags.errors.len(), 1, "the required cfg block is reported");
    }

    #[tokio::test]
    async fn a_panicking_call_becomes_an_error_not_a_cancelled_request() {
        let err = isolated::<(), _>(async { panic!("boom") }).await.unwrap_err();
        assert!(
            err.to_string().contains("internal error in the provider") && err.to_string().contains("boom"),
            "{err}"
        );
        assert_eq!(isolated(async { Ok::<_, ClientError>(7) }).await.unwrap(), 7);
    }

    #[test]
    fn equivalent_spellings_do_not_force_replacement() {
        let attrs = vec![Attr::string("name").required().force_new().equivalent(|a, b| a.eq_ignore_ascii_case(b))];
        let prior = obj(&[("name", ValueAny::String("DB".into()))]);
        let planned = obj(&[("name", ValueAny::String("db".into()))]);
        let mut replace = vec![];
        assert!(diff(&attrs, &[], &planned, &prior, AttributePath::root(), false, &mut replace));
        assert!(replace.is_empty());
        let other = obj(&[("name", ValueAny::String("web".into()))]);
        assert!(diff(&attrs, &[], &other, &prior, AttributePath::root(), false, &mut replace));
        assert_eq!(replace.len(), 1);
    }
}
