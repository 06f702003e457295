//! Starting programs: executable files, `PATH` lookup, scripts' `#!`
//! interpreters, `spawn` and `exec`.

use litemap::LiteMap;
use std::collections::{BTreeSet, VecDeque};

use super::errno::Errno;
use super::exec::Task;
use super::fs::{self, FsNode};
use super::process_table::Process;
use super::state::State;
use super::{Fd, NsSet, Owner, Pid, Sys, limits};

/// Starts a program: what an executable file stands for.
pub type Program = fn(Sys, Vec<String>) -> Task;

/// Finds the program an executable file's content names.
pub type Resolver = fn(&str) -> Option<Program>;

/// How to start a process.
#[derive(Clone, Debug)]
pub struct SpawnSpec {
    pub argv: Vec<String>,
    pub env: LiteMap<String, String>,
    pub cwd: String,
    pub ns: NsSet,
    pub fds: LiteMap<i32, Fd>,
    pub owner: Owner,
    pub parent: Pid,
    pub uid: u32,
    /// The first process of a container.
    pub container_init: bool,
}

/// The programs' `PATH` when the environment sets none.
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The program name an executable's content names (`\0podplay:busybox`).
fn program_marker(text: &str) -> Option<&str> {
    text.strip_prefix("\u{7f}ELF podplay:").map(|rest| rest.lines().next().unwrap_or("").trim())
}

/// The content of an executable that stands for program `name`.
pub fn executable(name: &str) -> Vec<u8> {
    format!("\u{7f}ELF podplay:{name}\n").into_bytes()
}

impl Sys {
    /// `execve`: this process becomes `argv`'s program (same PID). Returns
    /// the program to run in place of the caller.
    pub fn exec(&self, argv: Vec<String>) -> Result<Task, Errno> {
        let name = argv.first().cloned().unwrap_or_default();
        let path = self.which(&name).ok_or(Errno::NoEnt)?;
        let content = self.read_file(&path)?;
        let text = String::from_utf8_lossy(&content).into_owned();
        let (program, argv) = match program_marker(&text) {
            Some(marker) => ((self.resolver)(marker).ok_or(Errno::NoExec)?, argv),
            None => {
                let interp = text
                    .strip_prefix("#!")
                    .and_then(|r| r.lines().next())
                    .map(|l| l.trim().to_string())
                    .ok_or(Errno::NoExec)?;
                let interp_path = interp.split_whitespace().next().unwrap_or("").to_string();
                let interp_content = self.read_file(&interp_path)?;
                let marker = program_marker(&String::from_utf8_lossy(&interp_content))
                    .map(str::to_string)
                    .ok_or(Errno::NoExec)?;
                let program = (self.resolver)(&marker).ok_or(Errno::NoExec)?;
                (
                    program,
                    std::iter::once(interp_path)
                        .chain(std::iter::once(path.clone()))
                        .chain(argv.into_iter().skip(1))
                        .collect(),
                )
            }
        };
        self.proc_mut(|p| {
            p.argv = argv.clone();
            // Handlers do not survive exec; ignored signals would, but the
            // simulator's shell never ignores at exec time.
            p.caught.clear();
        });
        self.with(State::bump);
        Ok(program(self.clone(), argv))
    }

    /// Starts a child: resolves `argv[0]` on `PATH` in this process's mount
    /// namespace and runs the program the file stands for.
    pub fn spawn(&self, argv: Vec<String>, fds: LiteMap<i32, Fd>, env: LiteMap<String, String>) -> Result<Pid, Errno> {
        let (ns, cwd, owner, uid) =
            self.proc(|p| (p.ns, p.cwd.clone(), p.owner.clone(), p.uid)).ok_or(Errno::NoSuchProcess)?;
        let now = self.now();
        self.proc_mut(|p| {
            if p.steps_at != now {
                p.steps_at = now;
                p.steps = 0;
            }
            p.steps += limits::SPAWN_STEPS;
        });
        self.spawn_with(SpawnSpec { argv, env, cwd, ns, fds, owner, parent: self.pid, uid, container_init: false })
    }

    /// The executable a command name stands for, searched on `PATH`.
    pub fn which(&self, name: &str) -> Option<String> {
        if name.contains('/') {
            return (self.stat(name) == Some(false)).then(|| fs::normalize(&self.cwd(), name));
        }
        let path = self.getenv("PATH").unwrap_or_else(|| DEFAULT_PATH.into());
        path.split(':').map(|dir| fs::join(dir, name)).find(|candidate| self.stat(candidate) == Some(false))
    }

    pub fn spawn_with(&self, spec: SpawnSpec) -> Result<Pid, Errno> {
        let name = spec.argv.first().cloned().unwrap_or_default();
        // Resolve in the new process's own mount namespace.
        let probe = Sys { state: self.state.clone(), pid: 0, resolver: self.resolver };
        let (program, interpreter) = {
            let s = self.state.borrow();
            let table = s.mount_ns.get(&spec.ns.mnt).cloned().unwrap_or_default();
            let env_path = spec.env.get("PATH").cloned().unwrap_or_else(|| DEFAULT_PATH.into());
            drop(s);
            let lookup = |p: &str| -> Option<Vec<u8>> {
                let abs = fs::normalize(&spec.cwd, p);
                let r = table.resolve(&abs)?;
                match probe.state.borrow().stores.get(r.store)?.nodes.get(&r.path)? {
                    FsNode::File { data, .. } => Some(data.clone()),
                    FsNode::Dir => None,
                }
            };
            // The path the kernel sees: a bare name is found on PATH first,
            // as execvp does, and a script's interpreter gets that full path.
            let found = if name.contains('/') {
                lookup(&name).map(|c| (name.clone(), c))
            } else {
                env_path.split(':').map(|dir| fs::join(dir, &name)).find_map(|p| lookup(&p).map(|c| (p, c)))
            };
            let (resolved, content) = found.ok_or(Errno::NoEnt)?;
            let text = String::from_utf8_lossy(&content).into_owned();
            match program_marker(&text) {
                Some(marker) => ((self.resolver)(marker).ok_or(Errno::NoExec)?, None),
                None => match text.strip_prefix("#!") {
                    // A script: run its interpreter with the script's path.
                    Some(rest) => {
                        let interp = rest.lines().next().unwrap_or("").trim().to_string();
                        let interp_path = interp.split_whitespace().next().unwrap_or("").to_string();
                        let interp_content = lookup(&interp_path).ok_or(Errno::NoEnt)?;
                        let marker = program_marker(&String::from_utf8_lossy(&interp_content))
                            .map(str::to_string)
                            .ok_or(Errno::NoExec)?;
                        ((self.resolver)(&marker).ok_or(Errno::NoExec)?, Some((interp_path, resolved)))
                    }
                    None => return Err(Errno::NoExec),
                },
            }
        };
        let mut argv = spec.argv.clone();
        if let Some((interp, script)) = interpreter {
            argv = std::iter::once(interp)
                .chain(std::iter::once(script))
                .chain(spec.argv.iter().skip(1).cloned())
                .collect();
        }
        let now = self.now();
        let proc = Process {
            pid: 0,
            ppid: spec.parent,
            ns: spec.ns,
            ns_pids: LiteMap::new(),
            argv: argv.clone(),
            env: spec.env.clone(),
            cwd: spec.cwd.clone(),
            uid: spec.uid,
            fds: spec.fds.clone(),
            owner: spec.owner.clone(),
            caught: BTreeSet::new(),
            pending: VecDeque::new(),
            wake_at: None,
            steps: 0,
            steps_at: now,
            nesting: 0,
            memory: 0,
        };
        let pid = self.with(|s| s.create_process(proc))?;
        if spec.container_init {
            self.with(|s| s.container_inits.insert(pid));
        }
        let sys = Sys { state: self.state.clone(), pid, resolver: self.resolver };
        let task = program(sys, argv);
        self.with(|s| s.spawned.push((pid, task)));
        Ok(pid)
    }
}
