//! Word expansion: parameters, command substitution and arithmetic, then
//! field splitting and pathname expansion.

use std::future::Future;
use std::pin::Pin;

use super::pattern::{escape_glob, glob_match};
use super::{Flow, MAX_STRING, Shell};
use crate::kernel::fs;
use crate::shell::ast::*;

impl Shell<'_> {
    /// Expands words into fields (parameter, command and arithmetic
    /// expansion, then field splitting of unquoted results, then globbing).
    pub(super) async fn expand_words(&mut self, words: &[Word]) -> Result<Vec<String>, Flow> {
        let mut out = Vec::new();
        let mut total = 0usize;
        for w in words {
            let fields = self.expand_fields(w).await?;
            total = total.saturating_add(fields.iter().map(|f| f.len() + 1).sum());
            if total > MAX_STRING {
                return Err(self.memory_exhausted());
            }
            out.extend(fields);
        }
        Ok(out)
    }

    async fn expand_fields(&mut self, word: &Word) -> Result<Vec<String>, Flow> {
        let mut fields: Vec<String> = Vec::new();
        let mut current = String::new();
        let mut has_field = false;
        let mut globbable = false;
        // Bytes the parts added so far (fields and current together).
        let mut grown = 0usize;
        for part in &word.parts {
            let before = current.len();
            let fields_before = fields.len();
            match part {
                WordPart::Literal(text) => {
                    globbable |= text.contains(['*', '?']);
                    current.push_str(text);
                    has_field = true;
                }
                WordPart::SingleQuoted(text) => {
                    current.push_str(text);
                    has_field = true;
                }
                WordPart::Escaped(c) => {
                    current.push(*c);
                    has_field = true;
                }
                WordPart::DoubleQuoted(inner) => {
                    // "$@" makes one field per positional parameter.
                    let all_arguments = matches!(inner.as_slice(), [WordPart::Parameter(p)]
                        if p.parameter == Parameter::Special(SpecialParameter::AllArguments) && p.operation.is_none());
                    if all_arguments {
                        let args = self.positional.clone();
                        for (i, a) in args.iter().enumerate() {
                            if i > 0 {
                                fields.push(std::mem::take(&mut current));
                            }
                            current.push_str(a);
                            has_field = true;
                        }
                    } else {
                        let text = self.expand_quoted(inner).await?;
                        current.push_str(&text);
                        has_field = true;
                    }
                }
                WordPart::Parameter(p) => {
                    let value = self.parameter(p).await?;
                    split_into(&value, &mut fields, &mut current, &mut has_field);
                }
                WordPart::CommandSubstitution(cs) => {
                    let value = self.command_substitution(cs).await?;
                    split_into(&value, &mut fields, &mut current, &mut has_field);
                }
                WordPart::Arithmetic(expr) => {
                    let value = self.arith(expr).await?;
                    current.push_str(&value.to_string());
                    has_field = true;
                }
            }
            let added: usize = fields[fields_before..].iter().map(|f| f.len() + 1).sum();
            grown = grown.saturating_add(added).saturating_add(current.len().saturating_sub(before));
            if grown > MAX_STRING {
                return Err(self.memory_exhausted());
            }
        }
        if has_field {
            fields.push(current);
        }
        if globbable && fields.len() == 1 {
            if let Some(matches) = self.glob(&fields[0]) {
                return Ok(matches);
            }
        }
        Ok(fields)
    }

    /// A word expanded without field splitting (assignments, redirections):
    /// its parts read as inside double quotes.
    pub(super) async fn expand_single(&mut self, word: &Word) -> Result<String, Flow> {
        self.expand_quoted(&word.parts).await
    }

    /// A pattern (case arms, `${x%pat}`): quoted parts match literally.
    pub(super) async fn expand_pattern(&mut self, word: &Word) -> Result<String, Flow> {
        let mut out = String::new();
        for part in &word.parts {
            match part {
                WordPart::Literal(t) => out.push_str(t),
                WordPart::SingleQuoted(t) => out.push_str(&escape_glob(t)),
                WordPart::Escaped(c) => out.push_str(&escape_glob(&c.to_string())),
                WordPart::DoubleQuoted(inner) => {
                    let text = self.expand_quoted(inner).await?;
                    out.push_str(&escape_glob(&text));
                }
                other => {
                    let w = Word { parts: vec![other.clone()], position: word.position };
                    out.push_str(&self.expand_single(&w).await?);
                }
            }
            self.check_size(&out)?;
        }
        Ok(out)
    }

    fn expand_quoted<'s>(
        &'s mut self,
        parts: &'s [WordPart],
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            let mut out = String::new();
            for part in parts {
                match part {
                    WordPart::Literal(t) | WordPart::SingleQuoted(t) => out.push_str(t),
                    WordPart::Escaped(c) => out.push(*c),
                    WordPart::DoubleQuoted(inner) => out.push_str(&self.expand_quoted(inner).await?),
                    WordPart::Parameter(p) => out.push_str(&self.parameter(p).await?),
                    WordPart::CommandSubstitution(cs) => out.push_str(&self.command_substitution(cs).await?),
                    WordPart::Arithmetic(e) => out.push_str(&self.arith(e).await?.to_string()),
                }
                self.check_size(&out)?;
            }
            Ok(out)
        })
    }

    /// `$(…)`: runs the list with stdout into a pipe; trailing newlines go.
    pub(super) fn command_substitution<'s>(
        &'s mut self,
        cs: &'s CommandSubstitution,
    ) -> Pin<Box<dyn Future<Output = Result<String, Flow>> + 's>> {
        Box::pin(async move {
            if !self.enter() {
                return Err(Flow::Exit(2));
            }
            let (r, w) = self.sys.pipe();
            let mut fds = self.sys.fds();
            fds.insert(1, w.clone());
            let saved = self.sys.set_fds(fds);
            let saved_vars = (self.vars.clone(), self.vars_bytes);
            let flow = self.list(&cs.body).await;
            (self.vars, self.vars_bytes) = saved_vars;
            self.sys.set_fds(saved);
            self.sys.close(&w);
            let mut fds = self.sys.fds();
            fds.insert(99, r.clone());
            let saved = self.sys.set_fds(fds);
            let mut output = Vec::new();
            // A background job may go on writing (`$(yes &)`): past the
            // limit, the shell stops reading, and the writer gets EPIPE.
            while output.len() <= MAX_STRING {
                let chunk = self.sys.read_fd(99).await;
                if chunk.is_empty() {
                    break;
                }
                output.extend(chunk);
            }
            self.sys.set_fds(saved);
            self.sys.close(&r);
            if let Flow::Exit(code) = flow {
                self.status = code;
            }
            self.depth -= 1;
            let text = String::from_utf8_lossy(&output).into_owned();
            Ok(text.trim_end_matches('\n').to_string())
        })
    }

    /// Pathname expansion of the last component (`/var/log/*.log`).
    fn glob(&self, pattern: &str) -> Option<Vec<String>> {
        let (dir, file_pattern) = match pattern.rsplit_once('/') {
            Some((d, f)) => (if d.is_empty() { "/".to_string() } else { d.to_string() }, f),
            None => (".".to_string(), pattern),
        };
        if dir.contains(['*', '?']) {
            return None;
        }
        let names = self.sys.list_dir(&dir).ok()?;
        let mut hits: Vec<String> = names
            .into_iter()
            .filter(|n| !n.starts_with('.') && glob_match(file_pattern, n))
            .map(|n| if dir == "." { n } else { fs::join(&dir, &n) })
            .collect();
        hits.sort();
        (!hits.is_empty()).then_some(hits)
    }
}

/// Splits an unquoted expansion's value into fields (IFS = whitespace).
fn split_into(value: &str, fields: &mut Vec<String>, current: &mut String, has_field: &mut bool) {
    let starts_with_space = value.starts_with(char::is_whitespace);
    let ends_with_space = value.ends_with(char::is_whitespace);
    let pieces: Vec<&str> = value.split_whitespace().collect();
    if pieces.is_empty() {
        if !value.is_empty() && *has_field {
            fields.push(std::mem::take(current));
            *has_field = false;
        }
        return;
    }
    for (i, piece) in pieces.iter().enumerate() {
        if (i > 0 || starts_with_space) && *has_field {
            fields.push(std::mem::take(current));
        }
        current.push_str(piece);
        *has_field = true;
    }
    if ends_with_space {
        fields.push(std::mem::take(current));
        *has_field = false;
    }
}
