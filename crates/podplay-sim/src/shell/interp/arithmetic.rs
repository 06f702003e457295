//! `$((…))` and `let`: evaluating arithmetic on the shell's variables.

use std::future::Future;
use std::pin::Pin;

use super::{Flow, Shell};
use crate::shell::ast::*;

impl Shell<'_> {
    pub(super) fn arith<'s>(
        &'s mut self,
        expr: &'s ArithExpr,
    ) -> Pin<Box<dyn Future<Output = Result<i64, Flow>> + 's>> {
        Box::pin(async move {
            Ok(match expr {
                ArithExpr::Number(n) => *n,
                ArithExpr::Variable(name) => self.arith_var(name)?,
                ArithExpr::Parameter(p) => {
                    let v = self.parameter(p).await?;
                    self.arith_value(&v)?
                }
                ArithExpr::CommandSubstitution(cs) => {
                    let v = self.command_substitution(cs).await?;
                    self.arith_value(&v)?
                }
                ArithExpr::Unary { op, operand } => {
                    let v = self.arith(operand).await?;
                    match op {
                        UnaryOp::Negate => v.wrapping_neg(),
                        UnaryOp::Plus => v,
                        UnaryOp::Not => i64::from(v == 0),
                        UnaryOp::BitNot => !v,
                    }
                }
                ArithExpr::Binary { op, left, right } => {
                    let l = self.arith(left).await?;
                    // && and || short-circuit.
                    match op {
                        BinaryOp::LogicalAnd if l == 0 => return Ok(0),
                        BinaryOp::LogicalOr if l != 0 => return Ok(1),
                        _ => {}
                    }
                    let r = self.arith(right).await?;
                    self.binary(*op, l, r)?
                }
                ArithExpr::Conditional { condition, then_value, else_value } => {
                    if self.arith(condition).await? != 0 {
                        self.arith(then_value).await?
                    } else {
                        self.arith(else_value).await?
                    }
                }
                ArithExpr::Assign { op, name, value } => {
                    let v = self.arith(value).await?;
                    let current = self.arith_var(name)?;
                    let new = match op.binary_op() {
                        None => v,
                        Some(binary) => self.binary(binary, current, v)?,
                    };
                    self.set_var(name, &new.to_string());
                    new
                }
                ArithExpr::Increment { name, decrement, prefix } => {
                    let current = self.arith_var(name)?;
                    let new = if *decrement { current.wrapping_sub(1) } else { current.wrapping_add(1) };
                    self.set_var(name, &new.to_string());
                    if *prefix { new } else { current }
                }
            })
        })
    }

    fn binary(&mut self, op: BinaryOp, l: i64, r: i64) -> Result<i64, Flow> {
        Ok(match op {
            BinaryOp::Comma => r,
            BinaryOp::LogicalOr => i64::from(l != 0 || r != 0),
            BinaryOp::LogicalAnd => i64::from(l != 0 && r != 0),
            BinaryOp::BitOr => l | r,
            BinaryOp::BitXor => l ^ r,
            BinaryOp::BitAnd => l & r,
            BinaryOp::Equal => i64::from(l == r),
            BinaryOp::NotEqual => i64::from(l != r),
            BinaryOp::Less => i64::from(l < r),
            BinaryOp::LessEqual => i64::from(l <= r),
            BinaryOp::Greater => i64::from(l > r),
            BinaryOp::GreaterEqual => i64::from(l >= r),
            BinaryOp::ShiftLeft => l.wrapping_shl(u32::try_from(r & 63).unwrap_or(0)),
            BinaryOp::ShiftRight => l.wrapping_shr(u32::try_from(r & 63).unwrap_or(0)),
            BinaryOp::Add => l.wrapping_add(r),
            BinaryOp::Subtract => l.wrapping_sub(r),
            BinaryOp::Multiply => l.wrapping_mul(r),
            BinaryOp::Divide | BinaryOp::Remainder if r == 0 => {
                self.error("arithmetic syntax error: divide by zero");
                return Err(Flow::Exit(2));
            }
            BinaryOp::Divide => l.wrapping_div(r),
            BinaryOp::Remainder => l.wrapping_rem(r),
            BinaryOp::Power => l.wrapping_pow(u32::try_from(r.clamp(0, 64)).unwrap_or(0)),
        })
    }

    fn arith_var(&mut self, name: &str) -> Result<i64, Flow> {
        let v = self.vars.get(name).cloned().unwrap_or_default();
        self.arith_value(&v)
    }

    fn arith_value(&mut self, v: &str) -> Result<i64, Flow> {
        let t = v.trim();
        if t.is_empty() {
            return Ok(0);
        }
        match t.parse::<i64>() {
            Ok(n) => Ok(n),
            Err(_) => {
                self.error("arithmetic syntax error");
                Err(Flow::Exit(2))
            }
        }
    }
}
