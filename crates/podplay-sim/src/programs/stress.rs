//! `stress` 1.0.4 (the `polinux/stress` image of the Kubernetes docs'
//! memory examples): `--vm N` workers each allocate `--vm-bytes` and hold
//! them `--vm-hang` seconds, again and again. The allocation is charged to
//! the container's memory cgroup (counted, never really allocated), so a
//! worker past the limit is what the OOM killer ends.

use podplay_core::time::MonoDuration;

use super::{err, out, scaled, task};
use crate::kernel::{ExitStatus, Pid, Sys, Task};

/// What marks a forked worker: `stress` forks, so a worker has its
/// parent's argv; podplay spawns the same binary with the same argv and
/// this variable in its environment (ps and the story show what Linux does).
const WORKER_ENV: &str = "PODPLAY_STRESS_WORKER";

struct Options {
    vm: u32,
    vm_bytes: u64,
    /// Seconds to hold each allocation; 0 frees and allocates at once.
    vm_hang: u64,
    timeout: Option<u64>,
}

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(run(sys, argv))
}

async fn run(sys: Sys, argv: Vec<String>) -> i32 {
    let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    if sys.getenv(WORKER_ENV).is_some() {
        return worker(&sys, &args).await;
    }
    let Some(options) = parse(&args) else {
        err(&sys, "stress: FAIL: [1] (244) invalid arguments\n");
        return 1;
    };
    if options.vm == 0 && options.timeout.is_none() {
        out(
            &sys,
            "`stress' imposes certain types of compute stress on your system\n\nUsage: stress [OPTION [ARG]] ...\n",
        );
        return 1;
    }
    let me = sys.ns_pid_of(sys.getpid()).unwrap_or(1);
    out(&sys, &format!("stress: info: [{me}] dispatching hogs: 0 cpu, 0 io, {} vm, 0 hdd\n", options.vm));
    let mut workers: Vec<Pid> = Vec::new();
    for _ in 0..options.vm {
        let mut env = sys.env();
        env.insert(WORKER_ENV.to_string(), "1".to_string());
        match sys.spawn(argv.clone(), sys.fds(), env) {
            Ok(pid) => workers.push(pid),
            Err(e) => {
                err(&sys, &format!("stress: FAIL: [{me}] (407) fork failed: {}\n", e.text()));
                return 1;
            }
        }
    }
    let started = sys.now();
    loop {
        for pid in workers.clone() {
            if let Some(status) = sys.try_wait(pid) {
                workers.retain(|w| *w != pid);
                if let ExitStatus::Signaled(sig) = status {
                    let n = sys.ns_pid_of(pid).unwrap_or(pid);
                    err(&sys, &format!("stress: FAIL: [{me}] (415) <-- worker {n} got signal {sig}\n"));
                    err(&sys, &format!("stress: WARN: [{me}] (417) now reaping child worker processes\n"));
                    let secs = sys.now().since(started).secs();
                    err(&sys, &format!("stress: FAIL: [{me}] (451) failed run completed in {secs}s\n"));
                    return 1;
                }
            }
        }
        if let Some(t) = options.timeout {
            if sys.now().since(started) >= MonoDuration::from_secs(t) {
                out(&sys, &format!("stress: info: [{me}] successful run completed in {t}s\n"));
                return 0;
            }
        }
        if workers.is_empty() {
            return 0;
        }
        sys.sleep(MonoDuration(1_000)).await;
    }
}

/// A `--vm` worker (`hogvm`): allocate, touch, hold, free, forever.
async fn worker(sys: &Sys, args: &[&str]) -> i32 {
    let options = parse(args).unwrap_or(Options { vm: 1, vm_bytes: DEFAULT_VM_BYTES, vm_hang: 0, timeout: None });
    loop {
        sys.use_memory(options.vm_bytes).await;
        // Without a hang the worker frees and allocates again at once; a
        // short pause keeps that loop cheap to simulate.
        let hold = if options.vm_hang == 0 { MonoDuration(100) } else { MonoDuration::from_secs(options.vm_hang) };
        sys.sleep(hold).await;
        sys.use_memory(0).await;
    }
}

const DEFAULT_VM_BYTES: u64 = 256 << 20;

fn parse(args: &[&str]) -> Option<Options> {
    let mut o = Options { vm: 0, vm_bytes: DEFAULT_VM_BYTES, vm_hang: 0, timeout: None };
    let mut i = 0;
    while i < args.len() {
        let value = args.get(i + 1).copied();
        match args[i] {
            "-m" | "--vm" => o.vm = value?.parse().ok()?,
            "--vm-bytes" => o.vm_bytes = size(value?)?,
            "--vm-hang" => o.vm_hang = value?.parse().ok()?,
            "-t" | "--timeout" => o.timeout = Some(seconds(value?)?),
            // CPU, I/O and disk hogs are not simulated; their counts are taken.
            "-c" | "--cpu" | "-i" | "--io" | "-d" | "--hdd" | "--vm-stride" | "--hdd-bytes" | "--backoff" => {
                value?;
            }
            "-q" | "--quiet" | "-v" | "--verbose" | "-n" | "--dry-run" | "--vm-keep" => {
                i += 1;
                continue;
            }
            _ => return None,
        }
        i += 2;
    }
    Some(o)
}

/// `atoll_b`: a number with an optional B, K, M or G suffix (powers of 1024).
fn size(text: &str) -> Option<u64> {
    const UNITS: &[(&str, u64)] = &[
        ("", 1),
        ("b", 1),
        ("B", 1),
        ("k", 1 << 10),
        ("K", 1 << 10),
        ("m", 1 << 20),
        ("M", 1 << 20),
        ("g", 1 << 30),
        ("G", 1 << 30),
    ];
    scaled(text, UNITS)
}

/// `atoll_s`: seconds with an optional s, m, h, d or y suffix.
fn seconds(text: &str) -> Option<u64> {
    scaled(text, &[("", 1), ("s", 1), ("m", 60), ("h", 3600), ("d", 86_400), ("y", 31_536_000)])
}

#[cfg(test)]
mod tests {
    #[test]
    fn sizes_and_times_read_as_stress_reads_them() {
        assert_eq!(super::size("150M"), Some(150 << 20));
        assert_eq!(super::size("1G"), Some(1 << 30));
        assert_eq!(super::size("512"), Some(512));
        assert_eq!(super::size("1X"), None);
        assert_eq!(super::seconds("2m"), Some(120));
    }
}
