//! The offline schema and the allowlist together: the one place that
//! decides whether a resource, argument, block or attribute exists.

use super::allowlist::Allowlist;
use super::schema::{Argument, Node, Schema, V6Changes, provider_of};

/// Schema plus allowlist.
#[derive(Debug)]
pub struct Catalog {
    pub schema: Schema,
    pub allowlist: Allowlist,
}

/// A resource or data source type found in the catalog.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    pub type_name: &'a str,
    pub data: bool,
    pub node: &'a Node,
    /// The AWS 6.0 changes, for AWS types the schema lists.
    pub v6: Option<&'a V6Changes>,
    /// The allowlist entry that defines the type, when the schema lacks it.
    pub entry: Option<usize>,
}

impl Catalog {
    /// Looks a type up in the schema, then among allowlisted resources.
    pub fn resource<'a>(&'a self, data: bool, type_name: &'a str) -> Option<Resource<'a>> {
        let provider = provider_of(type_name);
        if let Some(node) = self.schema.node(provider, data, type_name) {
            return Some(Resource {
                type_name,
                data,
                node,
                v6: node.v6_changes.as_ref(),
                entry: None,
            });
        }
        let (index, entry) = self.entries().find(|(_, e)| {
            e.type_name == type_name && e.data_source == data && e.block.is_empty()
        })?;
        Some(Resource {
            type_name,
            data,
            node: &entry.adds,
            v6: None,
            entry: Some(index),
        })
    }

    fn entries(&self) -> impl Iterator<Item = (usize, &super::allowlist::Entry)> {
        self.allowlist.entries.iter().enumerate()
    }

    /// Entries that add names to the block at `path` of a listed type.
    fn additions<'a>(
        &'a self,
        resource: &Resource<'a>,
        path: &str,
    ) -> impl Iterator<Item = (usize, &'a Node)> + 'a {
        let path = path.to_string();
        let type_name = resource.type_name;
        let data = resource.data;
        let listed = resource.entry.is_none();
        self.entries()
            .filter(move |(_, e)| {
                listed && e.type_name == type_name && e.data_source == data && e.block == path
            })
            .map(|(i, e)| (i, &e.adds))
    }

    /// Finds an allowlisted argument of the block at `path` (`""` for the
    /// root).
    pub fn added_argument<'a>(
        &'a self,
        resource: &Resource<'a>,
        path: &str,
        name: &str,
    ) -> Option<(usize, &'a Argument)> {
        self.additions(resource, path)
            .find_map(|(i, node)| node.arguments.get(name).map(|a| (i, a)))
    }

    /// Finds an allowlisted nested block of the block at `path`.
    pub fn added_block<'a>(
        &'a self,
        resource: &Resource<'a>,
        path: &str,
        name: &str,
    ) -> Option<(usize, &'a Node)> {
        self.additions(resource, path)
            .find_map(|(i, node)| node.blocks.get(name).map(|b| (i, b)))
    }

    /// Returns every allowlisted block of the block at `path`, for required and
    /// count checks.
    pub fn added_blocks<'a>(
        &'a self,
        resource: &Resource<'a>,
        path: &str,
    ) -> Vec<(usize, &'a str, &'a Node)> {
        self.additions(resource, path)
            .flat_map(|(i, node)| node.blocks.iter().map(move |(n, b)| (i, n.as_str(), b)))
            .collect()
    }

    /// Returns every allowlisted argument of the block at `path`.
    pub fn added_arguments<'a>(
        &'a self,
        resource: &Resource<'a>,
        path: &str,
    ) -> Vec<(usize, &'a str, &'a Argument)> {
        self.additions(resource, path)
            .flat_map(|(i, node)| node.arguments.iter().map(move |(n, a)| (i, n.as_str(), a)))
            .collect()
    }

    /// Checks whether `name` can be read from the resource (`TYPE.NAME.name`), and
    /// the allowlist entry that makes it readable, if any.
    pub fn readable(&self, resource: &Resource<'_>, name: &str) -> Readable {
        let node = resource.node;
        let v6 = resource.v6;
        let removed = v6.is_some_and(|c| {
            c.removed_arguments.iter().any(|n| n == name)
                || c.removed_attributes.iter().any(|n| n == name)
        });
        if removed {
            return Readable::Removed;
        }
        let listed = node.arguments.contains_key(name)
            || node.blocks.contains_key(name)
            || node.attributes.iter().any(|n| n == name)
            || v6.is_some_and(|c| {
                c.added_arguments.iter().any(|n| n == name)
                    || c.added_attributes.iter().any(|n| n == name)
            });
        if listed {
            return Readable::Yes;
        }
        let added = self.additions(resource, "").find(|(_, n)| {
            n.arguments.contains_key(name)
                || n.blocks.contains_key(name)
                || n.attributes.iter().any(|a| a == name)
        });
        match added {
            Some((i, _)) => Readable::Allowlisted(i),
            None => Readable::No,
        }
    }
}

impl Catalog {
    /// Returns the first name along `path` (the attributes read after
    /// `TYPE.NAME`) that the resource lacks below the top level. Only nested
    /// blocks, object arguments and documented nested attributes are
    /// followed, because the keys of a map are data and end the walk.
    pub fn unknown_nested(&self, resource: &Resource<'_>, path: &[&str]) -> Option<String> {
        let root = resource.node;
        let mut block = Some(root);
        for depth in 1..path.len() {
            let (done, next) = (path[..depth].join("."), path[depth]);
            let known = match block {
                Some(node) => {
                    let (known, inner) = self.nested_in_block(resource, node, &done, next);
                    block = inner;
                    known
                }
                None => root
                    .nested_attributes
                    .get(&done)
                    .map(|names| names.iter().any(|n| n == next)),
            }?;
            if !known {
                return Some(format!("{done}.{next}"));
            }
        }
        None
    }

    /// Checks whether `next` exists inside what `done` (the dotted path read
    /// so far) ends in: a block or object argument of `parent`, or a
    /// documented nested attribute. Returns `None` for an unknown structure,
    /// and the block to continue in, if any.
    fn nested_in_block<'a>(
        &'a self,
        resource: &Resource<'a>,
        parent: &'a Node,
        done: &str,
        next: &str,
    ) -> (Option<bool>, Option<&'a Node>) {
        let name = done.rsplit('.').next().unwrap_or(done);
        let parent_path = done.rsplit_once('.').map_or("", |(p, _)| p);
        let block = parent.blocks.get(name).or_else(|| {
            self.added_block(resource, parent_path, name)
                .map(|(_, b)| b)
        });
        if let Some(block) = block.map(|b| b.resolve(resource.node)) {
            let known = block.arguments.contains_key(next)
                || block.blocks.contains_key(next)
                || block.attributes.iter().any(|a| a == next)
                || self.added_argument(resource, done, next).is_some()
                || self.added_block(resource, done, next).is_some();
            return (Some(known), Some(block));
        }
        if let Some(keys) = parent
            .arguments
            .get(name)
            .and_then(|a| a.nested_attributes.as_ref())
        {
            return (Some(keys.contains_key(next)), None);
        }
        let documented = resource.node.nested_attributes.get(done);
        (
            documented.map(|names| names.iter().any(|n| n == next)),
            None,
        )
    }
}

/// The result of [`Catalog::readable`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Readable {
    Yes,
    Allowlisted(usize),
    /// Removed by the AWS 6.0 release.
    Removed,
    No,
}
