//! A small schema language for resource types, and its translation to Terraform's schema.
//! The engine (`engine.rs`) reads the same description to plan: defaults, computed values,
//! replacement on ForceNew changes, and validation with attribute paths.

use std::collections::HashMap;

use tf_provider::schema::{Attribute, AttributeConstraint, AttributeType, Block, Description, NestedBlock, Schema};

pub(crate) type Validator = fn(&str) -> Result<(), String>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    Required,
    Optional,
    Computed,
    OptionalComputed,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Ty {
    String,
    Number,
    Bool,
    MapOfString,
    ListOfString,
    SetOfString,
    /// A computed list of objects (e.g. `dns_entry`).
    ListOfObject(Vec<(&'static str, Ty)>),
}

#[derive(Clone, Debug)]
pub(crate) enum Default {
    Str(&'static str),
    Num(i64),
    Bool(bool),
}

#[derive(Clone, Debug)]
pub(crate) struct Attr {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) mode: Mode,
    pub(crate) force_new: bool,
    pub(crate) default: Option<Default>,
    pub(crate) validate: Option<Validator>,
    /// The member of a VPC Lattice operation's input this attribute becomes (operation, member
    /// path): its lengths, pattern, enum and range are checked at plan time from the botocore
    /// model, as the API would check them.
    pub(crate) model: Option<(&'static str, &'static str)>,
    /// Enum values, checked at plan time.
    pub(crate) one_of: &'static [&'static str],
    pub(crate) range: Option<(i64, i64)>,
    /// Computed values that change whenever the object is updated.
    pub(crate) volatile: bool,
    /// Values that mean the same object (e.g. a relative and an absolute DNS name) do not
    /// force replacement; the update is then a no-op that adopts the configured spelling.
    pub(crate) equivalent: Option<fn(&str, &str) -> bool>,
    pub(crate) sensitive: bool,
    pub(crate) description: &'static str,
}

impl Attr {
    fn new(name: &'static str, ty: Ty) -> Self {
        Self {
            name,
            ty,
            mode: Mode::Optional,
            force_new: false,
            default: None,
            validate: None,
            model: None,
            one_of: &[],
            range: None,
            volatile: false,
            equivalent: None,
            sensitive: false,
            description: "",
        }
    }
    pub(crate) fn string(name: &'static str) -> Self {
        Self::new(name, Ty::String)
    }
    pub(crate) fn number(name: &'static str) -> Self {
        Self::new(name, Ty::Number)
    }
    pub(crate) fn bool(name: &'static str) -> Self {
        Self::new(name, Ty::Bool)
    }
    pub(crate) fn tags() -> Self {
        Self::new("tags", Ty::MapOfString)
            .optional_computed()
            .doc("Tags for the object (beside the provider's `default_tags`).")
    }
    pub(crate) fn tags_all() -> Self {
        Self::new("tags_all", Ty::MapOfString)
            .computed()
            .doc("All tags of the object: the provider's `default_tags` overlaid with `tags`.")
    }
    pub(crate) fn typed(name: &'static str, ty: Ty) -> Self {
        Self::new(name, ty)
    }
    pub(crate) fn set_of_string(name: &'static str) -> Self {
        Self::new(name, Ty::SetOfString)
    }
    pub(crate) fn list_of_string(name: &'static str) -> Self {
        Self::new(name, Ty::ListOfString)
    }
    pub(crate) fn dns_entry() -> Self {
        Self::new("dns_entry", Ty::ListOfObject(vec![("domain_name", Ty::String), ("hosted_zone_id", Ty::String)]))
            .computed()
            .doc("The generated DNS name of the service and its hosted zone.")
    }
    pub(crate) fn required(mut self) -> Self {
        self.mode = Mode::Required;
        self
    }
    pub(crate) fn computed(mut self) -> Self {
        self.mode = Mode::Computed;
        self
    }
    pub(crate) fn optional_computed(mut self) -> Self {
        self.mode = Mode::OptionalComputed;
        self
    }
    pub(crate) fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub(crate) fn default(mut self, d: Default) -> Self {
        self.default = Some(d);
        self
    }
    pub(crate) fn validate(mut self, v: Validator) -> Self {
        self.validate = Some(v);
        self
    }
    /// Checked at plan time as the API checks `member` of `operation`'s input.
    pub(crate) fn model(mut self, operation: &'static str, member: &'static str) -> Self {
        self.model = Some((operation, member));
        self
    }
    pub(crate) fn one_of(mut self, values: &'static [&'static str]) -> Self {
        self.one_of = values;
        self
    }
    pub(crate) fn range(mut self, min: i64, max: i64) -> Self {
        self.range = Some((min, max));
        self
    }
    pub(crate) fn equivalent(mut self, f: fn(&str, &str) -> bool) -> Self {
        self.equivalent = Some(f);
        self
    }
    pub(crate) fn sensitive(mut self) -> Self {
        self.sensitive = true;
        self
    }
    pub(crate) fn volatile(mut self) -> Self {
        self.volatile = true;
        self
    }
    pub(crate) fn doc(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
}

/// A nested block, always a list in state (as SDKv2 providers store `MaxItems: 1` blocks).
#[derive(Clone, Debug)]
pub(crate) struct BlockDef {
    pub(crate) name: &'static str,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) blocks: Vec<BlockDef>,
    pub(crate) min: usize,
    pub(crate) max: usize,
    pub(crate) force_new: bool,
    pub(crate) description: &'static str,
}

impl BlockDef {
    pub(crate) fn new(name: &'static str, min: usize, max: usize) -> Self {
        Self { name, attrs: vec![], blocks: vec![], min, max, force_new: false, description: "" }
    }
    pub(crate) fn attrs(mut self, attrs: Vec<Attr>) -> Self {
        self.attrs = attrs;
        self
    }
    pub(crate) fn blocks(mut self, blocks: Vec<BlockDef>) -> Self {
        self.blocks = blocks;
        self
    }
    pub(crate) fn force_new(mut self) -> Self {
        self.force_new = true;
        self
    }
    pub(crate) fn doc(mut self, d: &'static str) -> Self {
        self.description = d;
        self
    }
}

/// AWS's `timeouts { create = "10m" … }` block: accepted so configurations move unchanged; the
/// local backend finishes every operation before it answers, so there is nothing to wait for.
pub(crate) fn timeouts(operations: &[&'static str]) -> BlockDef {
    BlockDef::new(TIMEOUTS, 0, 1)
        .doc("Accepted for compatibility with the AWS provider; operations here complete at once.")
        .attrs(operations.iter().map(|op| Attr::string(op)).collect())
}

pub(crate) const TIMEOUTS: &str = "timeouts";

/// A whole resource or data source schema.
#[derive(Clone, Debug)]
pub(crate) struct TypeSchema {
    pub(crate) description: &'static str,
    pub(crate) attrs: Vec<Attr>,
    pub(crate) blocks: Vec<BlockDef>,
}

fn attribute_type(ty: &Ty) -> AttributeType {
    match ty {
        Ty::String => AttributeType::String,
        Ty::Number => AttributeType::Number,
        Ty::Bool => AttributeType::Bool,
        Ty::MapOfString => AttributeType::Map(Box::new(AttributeType::String)),
        Ty::ListOfString => AttributeType::List(Box::new(AttributeType::String)),
        Ty::SetOfString => AttributeType::Set(Box::new(AttributeType::String)),
        Ty::ListOfObject(fields) => AttributeType::List(Box::new(AttributeType::Object(
            fields.iter().map(|(n, t)| (n.to_string(), attribute_type(t))).collect(),
        ))),
    }
}

fn attributes(attrs: &[Attr]) -> HashMap<String, Attribute> {
    attrs
        .iter()
        .map(|a| {
            let constraint = match a.mode {
                Mode::Required => AttributeConstraint::Required,
                Mode::Optional if a.default.is_some() => AttributeConstraint::OptionalComputed,
                Mode::Optional => AttributeConstraint::Optional,
                Mode::Computed => AttributeConstraint::Computed,
                Mode::OptionalComputed => AttributeConstraint::OptionalComputed,
            };
            let mut description = a.description.to_string();
            if !a.one_of.is_empty() {
                let values: Vec<String> = a.one_of.iter().map(|v| format!("`{v}`")).collect();
                description.push_str(&format!(" One of {}.", values.join(", ")));
            }
            if let Some((min, max)) = a.range {
                description.push_str(&format!(" Between {min} and {max}."));
            }
            if let Some(d) = &a.default {
                description.push_str(&format!(" Defaults to `{}`.", default_text(d)));
            }
            if a.force_new {
                description.push_str(" Changing it replaces the object.");
            }
            let description = description.trim().to_string();
            (
                a.name.to_string(),
                Attribute {
                    attr_type: attribute_type(&a.ty),
                    description: Description::markdown(description),
                    constraint,
                    sensitive: a.sensitive,
                    deprecated: false,
                },
            )
        })
        .collect()
}

fn default_text(d: &Default) -> String {
    match d {
        Default::Str(s) => s.to_string(),
        Default::Num(n) => n.to_string(),
        Default::Bool(b) => b.to_string(),
    }
}

fn block(description: &str, attrs: &[Attr], blocks: &[BlockDef]) -> Block {
    Block {
        version: 0,
        attributes: attributes(attrs),
        blocks: blocks
            .iter()
            .map(|b| {
                let mut description = b.description.to_string();
                match (b.min, b.max) {
                    (1, 1) => description.push_str(" Required; exactly one."),
                    (0, 1) => {}
                    (min, max) if min > 0 => description.push_str(&format!(" Between {min} and {max}.")),
                    (_, max) => description.push_str(&format!(" At most {max}.")),
                }
                let inner = block(description.trim(), &b.attrs, &b.blocks);
                // `Optional` is a list of at most one; longer lists are plain lists. Minimums
                // are checked by the engine so the error carries the attribute path.
                let nested = if b.max == 1 { NestedBlock::Optional(inner) } else { NestedBlock::List(inner) };
                (b.name.to_string(), nested)
            })
            .collect(),
        description: Description::markdown(description),
        deprecated: false,
    }
}

impl TypeSchema {
    pub(crate) fn to_terraform(&self) -> Schema {
        Schema { version: 0, block: block(self.description, &self.attrs, &self.blocks) }
    }
}

// ---- validators ---------------------------------------------------------------------------

/// Two identifiers of the same object: its id and its ARN (or two spellings of either).
pub(crate) fn same_object(a: &str, b: &str) -> bool {
    lattice_api::ids::id_of(a) == lattice_api::ids::id_of(b)
}

pub(crate) fn domain_name(s: &str) -> Result<(), String> {
    let n = s.len();
    if !(3..=255).contains(&n) {
        return Err(format!("must be between 3 and 255 characters long, got {n}"));
    }
    Ok(())
}
pub(crate) fn vpc_id(s: &str) -> Result<(), String> {
    if lattice_api::ids::is_vpc_id(s) {
        Ok(())
    } else {
        Err(format!("\"{s}\" is not a VPC id (vpc- followed by 8 or 17 lower-case letters or digits)"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn each_attr<'a>(attrs: &'a [Attr], blocks: &'a [BlockDef], out: &mut Vec<&'a Attr>) {
        out.extend(attrs);
        for b in blocks {
            each_attr(&b.attrs, &b.blocks, out);
        }
    }

    #[test]
    fn every_model_link_names_a_member_of_the_botocore_model() {
        let model = lattice_api::model::vpc_lattice();
        let schemas = crate::resources::all()
            .into_iter()
            .map(|(name, kind)| (name, kind.schema()))
            .chain(crate::data_sources::all().into_iter().map(|(name, kind)| (name, kind.schema())));
        let mut linked = 0;
        for (name, schema) in schemas {
            let mut attrs = Vec::new();
            each_attr(&schema.attrs, &schema.blocks, &mut attrs);
            for a in attrs {
                if let Some((op, member)) = a.model {
                    assert!(model.member_shape(op, member).is_some(), "{name}.{}: {op}.{member}", a.name);
                    linked += 1;
                }
            }
        }
        assert!(linked > 20, "{linked} attributes checked from the model");
    }
}
