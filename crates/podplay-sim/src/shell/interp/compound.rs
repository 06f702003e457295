//! Compound commands: `{ }`, `( )`, `if`, loops, `for`, `case`.

use super::pattern::glob_match;
use super::{Flow, Run, Shell};
use crate::shell::ast::*;

impl Shell<'_> {
    pub(super) fn compound<'s>(&'s mut self, kind: &'s CompoundKind) -> Run<'s> {
        Box::pin(async move {
            match kind {
                CompoundKind::BraceGroup(list) => self.list(list).await,
                CompoundKind::Subshell(list) => {
                    // A subshell's changes do not leak: run it on a copy.
                    let saved_vars = (self.vars.clone(), self.vars_bytes);
                    let saved_cwd = self.sys.cwd();
                    let flow = self.list(list).await;
                    (self.vars, self.vars_bytes) = saved_vars;
                    let _ = self.sys.chdir(&saved_cwd);
                    match flow {
                        Flow::Exit(code) => {
                            self.status = code;
                            Flow::Normal
                        }
                        _ => Flow::Normal,
                    }
                }
                CompoundKind::If(cmd) => {
                    for branch in &cmd.branches {
                        let flow = self.condition(&branch.condition).await;
                        if flow != Flow::Normal {
                            return flow;
                        }
                        if self.status == 0 {
                            return self.list(&branch.body).await;
                        }
                    }
                    match &cmd.else_body {
                        Some(body) => self.list(body).await,
                        None => {
                            self.status = 0;
                            Flow::Normal
                        }
                    }
                }
                CompoundKind::While(lp) => self.loop_(lp, false).await,
                CompoundKind::Until(lp) => self.loop_(lp, true).await,
                CompoundKind::For(f) => {
                    let items = match &f.words {
                        Some(words) => match self.expand_words(words).await {
                            Ok(items) => items,
                            Err(flow) => return flow,
                        },
                        None => self.positional.clone(),
                    };
                    self.status = 0;
                    self.loop_depth += 1;
                    let mut result = Flow::Normal;
                    for item in items {
                        self.set_var(&f.variable, &item);
                        self.sys.tick().await;
                        match self.list(&f.body).await {
                            Flow::Break(n) if n > 1 => {
                                result = Flow::Break(n - 1);
                                break;
                            }
                            Flow::Break(_) => break,
                            Flow::Continue(n) if n > 1 => {
                                result = Flow::Continue(n - 1);
                                break;
                            }
                            Flow::Continue(_) | Flow::Normal => {}
                            other => {
                                result = other;
                                break;
                            }
                        }
                    }
                    self.loop_depth -= 1;
                    result
                }
                CompoundKind::Case(c) => {
                    let word = match self.expand_single(&c.word).await {
                        Ok(w) => w,
                        Err(flow) => return flow,
                    };
                    self.status = 0;
                    for arm in &c.arms {
                        for pattern in &arm.patterns {
                            let pat = match self.expand_pattern(pattern).await {
                                Ok(p) => p,
                                Err(flow) => return flow,
                            };
                            if glob_match(&pat, &word) {
                                return self.list(&arm.body).await;
                            }
                        }
                    }
                    Flow::Normal
                }
            }
        })
    }

    /// A condition list: `set -e` does not apply inside it.
    async fn condition(&mut self, list: &List) -> Flow {
        let saved = self.errexit;
        self.errexit = false;
        let flow = self.list(list).await;
        self.errexit = saved;
        flow
    }

    async fn loop_(&mut self, lp: &LoopCommand, until: bool) -> Flow {
        self.loop_depth += 1;
        let mut body_status = 0;
        let mut result = Flow::Normal;
        loop {
            self.sys.tick().await;
            let flow = self.condition(&lp.condition).await;
            if flow != Flow::Normal {
                result = flow;
                break;
            }
            let go = (self.status == 0) != until;
            if !go {
                break;
            }
            match self.list(&lp.body).await {
                Flow::Break(n) if n > 1 => {
                    result = Flow::Break(n - 1);
                    break;
                }
                Flow::Break(_) => {
                    body_status = self.status;
                    break;
                }
                Flow::Continue(n) if n > 1 => {
                    result = Flow::Continue(n - 1);
                    break;
                }
                Flow::Continue(_) | Flow::Normal => body_status = self.status,
                other => {
                    result = other;
                    break;
                }
            }
        }
        self.loop_depth -= 1;
        if result == Flow::Normal {
            self.status = body_status;
        }
        result
    }
}
