//! Redirections: `>`, `>>`, `<`, `2>&1`, `&>`.

use litemap::LiteMap;

use super::Shell;
use crate::kernel::{Errno, Fd, fs, std_stream};
use crate::shell::ast::{Redirect, RedirectOp};

impl Shell<'_> {
    /// Applies redirections to a descriptor table; `None` (with a message) on failure.
    pub(super) async fn redirect(
        &mut self,
        redirects: &[Redirect],
        mut fds: LiteMap<i32, Fd>,
    ) -> Option<LiteMap<i32, Fd>> {
        for r in redirects {
            let target = match self.expand_single(&r.target).await {
                Ok(t) => t,
                Err(_) => return None,
            };
            let fd = i32::try_from(r.fd()).unwrap_or(1);
            let path = fs::normalize(&self.sys.cwd(), &target);
            match r.op {
                RedirectOp::Output | RedirectOp::Clobber | RedirectOp::Append | RedirectOp::OutputAndError => {
                    let append = r.op == RedirectOp::Append;
                    let file = if path == "/dev/null" {
                        Fd::Null
                    } else if let Some(stream) = std_stream(&path) {
                        fds.get(&stream).cloned().unwrap_or(Fd::Null)
                    } else {
                        // Opening creates (or truncates) the file at once.
                        if let Err(e) = self.sys.write_file(&path, b"", append) {
                            let why = match e {
                                Errno::NoEnt => "nonexistent directory".to_string(),
                                other => other.text().to_string(),
                            };
                            self.error(&format!("can't create {target}: {why}"));
                            return None;
                        }
                        Fd::File { path: path.clone(), append: true }
                    };
                    if r.op == RedirectOp::OutputAndError {
                        fds.insert(1, file.clone());
                        fds.insert(2, file);
                    } else {
                        fds.insert(fd, file);
                    }
                }
                RedirectOp::Input | RedirectOp::ReadWrite => {
                    if target == "/dev/null" {
                        fds.insert(fd, Fd::Null);
                        continue;
                    }
                    if self.sys.stat(&path).is_none() {
                        self.error(&format!("can't open '{target}': No such file or directory"));
                        return None;
                    }
                    fds.insert(fd, Fd::File { path, append: true });
                }
                RedirectOp::DuplicateOutput | RedirectOp::DuplicateInput => {
                    if target == "-" {
                        fds.remove(&fd);
                        continue;
                    }
                    match target.parse::<i32>() {
                        Ok(source) => match fds.get(&source).cloned() {
                            Some(f) => {
                                fds.insert(fd, f);
                            }
                            None => {
                                self.error(&format!("{source}: Bad file descriptor"));
                                return None;
                            }
                        },
                        Err(_) => {
                            self.error(&format!("{target}: bad number"));
                            return None;
                        }
                    }
                }
            }
        }
        Some(fds)
    }
}
