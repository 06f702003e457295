//! Parameters: `$name`, `$1`, `$?`, … and `${…}` operations.

use std::future::Future;
use std::pin::Pin;

use super::pattern::remove_affix;
use super::{Flow, MAX_STRING, Shell};
use crate::shell::ast::*;

impl Shell<'_> {
    fn lookup(&self, p: &Parameter) -> Option<String> {
        match p {
            Parameter::Named(name) => self.vars.get(name).cloned(),
            Parameter::Positional(0) => Some(self.name.clone()),
            Parameter::Positional(n) => self.positional.get(usize::try_from(*n).unwrap_or(usize::MAX) - 1).cloned(),
            Parameter::Special(s) => Some(match s {
                SpecialParameter::LastStatus => self.status.to_string(),
                SpecialParameter::ShellPid => self.sys.getpid().to_string(),
                SpecialParameter::LastBackgroundPid => {
                    return self.last_background.and_then(|p| self.sys.ns_pid_of(p)).map(|p| p.to_string());
                }
                SpecialParameter::ArgumentCount => self.positional.len().to_string(),
                SpecialParameter::AllArguments | SpecialParameter::AllArgumentsJoined => self.positional.join(" "),
                SpecialParameter::ShellName => self.name.clone(),
                SpecialParameter::Options => {
                    if self.errexit {
                        "e".into()
                    } else {
                        String::new()
                    }
                }
            }),
        }
    }

    pub(super) fn parameter<'s>(
        &'s mut self,
        p: &'s ParameterExpansion,
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            let value = self.lookup(&p.parameter);
            let Some(op) = &p.operation else {
                return Ok(value.unwrap_or_default());
            };
            let is_unset = |empty_counts: bool, v: &Option<String>| match v {
                None => true,
                Some(s) => empty_counts && s.is_empty(),
            };
            Ok(match op {
                ParameterOperation::Length => value.unwrap_or_default().chars().count().to_string(),
                ParameterOperation::UseDefault { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        self.expand_single(word).await?
                    } else {
                        value.unwrap_or_default()
                    }
                }
                ParameterOperation::AssignDefault { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        let v = self.expand_single(word).await?;
                        if let Parameter::Named(n) = &p.parameter {
                            self.set_var(n, &v);
                        }
                        v
                    } else {
                        value.unwrap_or_default()
                    }
                }
                ParameterOperation::ErrorIfUnset { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        let msg = self.expand_single(word).await?;
                        let name = p.parameter.name();
                        self.error(&format!("{name}: {}", if msg.is_empty() { "parameter not set" } else { &msg }));
                        return Err(Flow::Exit(2));
                    }
                    value.unwrap_or_default()
                }
                ParameterOperation::UseAlternative { treat_empty_as_unset, word } => {
                    if is_unset(*treat_empty_as_unset, &value) {
                        String::new()
                    } else {
                        self.expand_single(word).await?
                    }
                }
                ParameterOperation::RemoveSuffix { longest, pattern } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    remove_affix(&v, &pat, *longest, false)
                }
                ParameterOperation::RemovePrefix { longest, pattern } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    remove_affix(&v, &pat, *longest, true)
                }
                ParameterOperation::Substring { offset, length } => {
                    let v: Vec<char> = value.unwrap_or_default().chars().collect();
                    let off = self.expand_single(offset).await?.trim().parse::<i64>().unwrap_or(0);
                    // Saturating: usize is 32 bits in wasm.
                    let start = if off < 0 {
                        v.len().saturating_sub(usize::try_from(off.unsigned_abs()).unwrap_or(usize::MAX))
                    } else {
                        usize::try_from(off).unwrap_or(usize::MAX).min(v.len())
                    };
                    let len = match length {
                        Some(l) => match self.expand_single(l).await?.trim().parse::<u64>() {
                            Ok(n) => usize::try_from(n).unwrap_or(usize::MAX),
                            Err(_) => 0,
                        },
                        None => v.len(),
                    };
                    v[start..].iter().take(len).collect()
                }
                ParameterOperation::Replace { all, pattern, replacement } => {
                    let v = value.unwrap_or_default();
                    let pat = self.expand_pattern(pattern).await?;
                    let rep = match replacement {
                        Some(r) => self.expand_single(r).await?,
                        None => String::new(),
                    };
                    let matches = if pat.is_empty() {
                        0
                    } else if *all {
                        v.matches(pat.as_str()).count()
                    } else {
                        1
                    };
                    if v.len().saturating_add(matches.saturating_mul(rep.len())) > MAX_STRING {
                        return Err(self.memory_exhausted());
                    }
                    if pat.is_empty() {
                        v
                    } else if *all {
                        v.replace(&pat, &rep)
                    } else {
                        v.replacen(&pat, &rep, 1)
                    }
                }
            })
        })
    }
}
