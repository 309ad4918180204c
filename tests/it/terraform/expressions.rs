//! Collects the references in an expression: traversals such as
//! `var.name` or `aws_lb.main[0].arn`, also inside string templates,
//! heredocs, template directives, for expressions, conditionals, function
//! calls and splats. Names a for expression or directive binds are not
//! references while they are in scope.

use std::fmt;

use hcl::expr::{ForExpr, Operation, TraversalOperator};
use hcl::template::{Directive, Element, Template};
use hcl::{Expression, ObjectKey, TemplateExpr};

/// One step after the root name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    Attr(String),
    Index,
    Splat,
}

/// A reference such as `aws_lb.main[0].arn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub root: String,
    pub parts: Vec<Part>,
}

impl Part {
    pub fn attr(&self) -> Option<&str> {
        match self {
            Part::Attr(name) => Some(name),
            _ => None,
        }
    }
}

impl Reference {
    /// Returns the attribute names after the root, skipping indexes and
    /// splats.
    pub fn attrs(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                Part::Attr(name) => Some(name.as_str()),
                _ => None,
            })
            .collect()
    }
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.root)?;
        for part in &self.parts {
            match part {
                Part::Attr(name) => write!(f, ".{name}")?,
                Part::Index => f.write_str("[...]")?,
                Part::Splat => f.write_str("[*]")?,
            }
        }
        Ok(())
    }
}

/// Collects references; `scope` holds the names bound around the
/// expression, such as a dynamic block's iterator.
#[derive(Debug, Default)]
pub struct Collector {
    pub scope: Vec<String>,
    pub references: Vec<Reference>,
    /// Names of the functions called, without provider namespaces.
    pub functions: Vec<String>,
    /// Templates that do not parse.
    pub errors: Vec<String>,
}

impl Collector {
    pub fn with_scope(scope: Vec<String>) -> Collector {
        Collector {
            scope,
            ..Collector::default()
        }
    }

    pub fn expr(&mut self, expr: &Expression) {
        match expr {
            Expression::Variable(v) => self.push(v.to_string(), Vec::new()),
            Expression::Traversal(t) => self.traversal(&t.expr, &t.operators),
            Expression::TemplateExpr(t) => self.template_expr(t),
            Expression::FuncCall(call) => {
                if !call.name.is_namespaced() {
                    self.functions.push(call.name.name.to_string());
                }
                call.args.iter().for_each(|a| self.expr(a));
            }
            Expression::Parenthesis(inner) => self.expr(inner),
            Expression::Conditional(c) => {
                self.expr(&c.cond_expr);
                self.expr(&c.true_expr);
                self.expr(&c.false_expr);
            }
            Expression::Operation(op) => match op.as_ref() {
                Operation::Unary(u) => self.expr(&u.expr),
                Operation::Binary(b) => {
                    self.expr(&b.lhs_expr);
                    self.expr(&b.rhs_expr);
                }
            },
            Expression::ForExpr(f) => self.for_expr(f),
            Expression::Array(items) => items.iter().for_each(|i| self.expr(i)),
            Expression::Object(object) => {
                for (key, value) in object {
                    if let ObjectKey::Expression(key) = key {
                        self.object_key(key);
                    }
                    self.expr(value);
                }
            }
            // Literals hold no reference.
            _ => {}
        }
    }

    /// Walks an object key. A bare name is a literal key, not a reference.
    fn object_key(&mut self, key: &Expression) {
        if !matches!(key, Expression::Variable(_)) {
            self.expr(key);
        }
    }

    fn push(&mut self, root: String, parts: Vec<Part>) {
        if !self.scope.contains(&root) {
            self.references.push(Reference { root, parts });
        }
    }

    fn traversal(&mut self, base: &Expression, operators: &[TraversalOperator]) {
        let mut parts = Vec::new();
        for operator in operators {
            parts.push(match operator {
                TraversalOperator::GetAttr(name) => Part::Attr(name.to_string()),
                TraversalOperator::Index(index) => {
                    self.expr(index);
                    Part::Index
                }
                TraversalOperator::LegacyIndex(_) => Part::Index,
                TraversalOperator::AttrSplat | TraversalOperator::FullSplat => Part::Splat,
            });
        }
        match base {
            Expression::Variable(v) => self.push(v.to_string(), parts),
            other => self.expr(other),
        }
    }

    fn template_expr(&mut self, expr: &TemplateExpr) {
        match Template::from_expr(expr) {
            Ok(template) => self.template(&template),
            Err(e) => self.errors.push(format!("invalid template `{expr}`: {e}")),
        }
    }

    fn template(&mut self, template: &Template) {
        for element in template.elements() {
            match element {
                Element::Literal(_) => {}
                Element::Interpolation(i) => self.expr(&i.expr),
                Element::Directive(d) => self.directive(d),
            }
        }
    }

    fn directive(&mut self, directive: &Directive) {
        match directive {
            Directive::If(d) => {
                self.expr(&d.cond_expr);
                self.template(&d.true_template);
                if let Some(f) = &d.false_template {
                    self.template(f);
                }
            }
            Directive::For(d) => {
                self.expr(&d.collection_expr);
                let bound = [d.key_var.as_ref(), Some(&d.value_var)];
                self.scoped(bound.into_iter().flatten(), |c| c.template(&d.template));
            }
        }
    }

    fn for_expr(&mut self, f: &ForExpr) {
        self.expr(&f.collection_expr);
        let bound = [f.key_var.as_ref(), Some(&f.value_var)];
        self.scoped(bound.into_iter().flatten(), |c| {
            if let Some(key) = &f.key_expr {
                c.expr(key);
            }
            c.expr(&f.value_expr);
            if let Some(cond) = &f.cond_expr {
                c.expr(cond);
            }
        });
    }

    fn scoped<'i>(
        &mut self,
        names: impl Iterator<Item = &'i hcl::Identifier>,
        inner: impl FnOnce(&mut Collector),
    ) {
        let depth = self.scope.len();
        self.scope.extend(names.map(|n| n.to_string()));
        inner(self);
        self.scope.truncate(depth);
    }
}

/// Collects the references of one expression outside any scope.
pub fn references(expr: &Expression) -> Collector {
    let mut collector = Collector::default();
    collector.expr(expr);
    collector
}

/// True when an expression is a constant: no reference, function call or
/// interpolation, as `.tfvars` files require.
pub fn is_constant(expr: &Expression) -> bool {
    match expr {
        Expression::Null | Expression::Bool(_) | Expression::Number(_) | Expression::String(_) => {
            true
        }
        Expression::Array(items) => items.iter().all(is_constant),
        Expression::Object(object) => object.iter().all(|(k, v)| {
            matches!(
                k,
                ObjectKey::Identifier(_) | ObjectKey::Expression(Expression::String(_))
            ) && is_constant(v)
        }),
        _ => false,
    }
}
