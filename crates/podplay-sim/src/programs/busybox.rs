//! BusyBox: one program, many applets chosen by the name it was run as.
//! Messages follow busybox's (`cat: can't open 'x': No such file or directory`).

use podplay_core::time::MonoDuration;

use super::http::{parse_response, request};
use super::{err, out, task};
use crate::kernel::{Errno, Store, Sys, Task, executable};
use crate::kernel::{SIGTERM, fs, signal_name, signal_number};

/// Every name this BusyBox answers to, each written once: what runs, and how
/// images and the shell reach it.
const APPLETS: &[Applet] = &[
    Applet::in_shell("[", Run::Test),
    Applet::linked("ash", Run::Shell),
    Applet::linked("basename", Run::Basename),
    Applet::linked("cat", Run::Cat),
    Applet::linked("chmod", Run::Chmod),
    Applet::linked("cp", Run::Cp),
    Applet::linked("cut", Run::Filter),
    Applet::linked("date", Run::Date),
    Applet::linked("dd", Run::Dd),
    Applet::linked("free", Run::Free),
    Applet::linked("dirname", Run::Dirname),
    Applet::in_shell("echo", Run::Echo),
    Applet::linked("env", Run::Env),
    Applet::in_shell("false", Run::False),
    Applet::linked("grep", Run::Grep),
    Applet::linked("head", Run::Head),
    Applet::linked("hostname", Run::Hostname),
    Applet::linked("id", Run::Id),
    Applet::linked("ifconfig", Run::Ip),
    Applet::linked("ip", Run::Ip),
    Applet::in_shell("kill", Run::Kill),
    Applet::linked("ls", Run::Ls),
    Applet::linked("mkdir", Run::Mkdir),
    Applet::linked("mv", Run::Mv),
    Applet::linked("netstat", Run::Netstat),
    Applet::linked("nslookup", Run::Nslookup),
    Applet::linked("printenv", Run::Printenv),
    Applet::in_shell("printf", Run::Printf),
    Applet::linked("ps", Run::Ps),
    Applet::in_shell("pwd", Run::Pwd),
    Applet::linked("readlink", Run::Readlink),
    Applet::linked("rm", Run::Rm),
    Applet::linked("rmdir", Run::Rmdir),
    Applet::linked("seq", Run::Seq),
    Applet::linked("sh", Run::Shell),
    Applet::linked("sleep", Run::Sleep),
    Applet::linked("sort", Run::Filter),
    Applet::linked("tail", Run::Tail),
    Applet::linked("tee", Run::Tee),
    Applet::in_shell("test", Run::Test),
    Applet::linked("touch", Run::Touch),
    Applet::linked("tr", Run::Filter),
    Applet::in_shell("true", Run::True),
    Applet::linked("uname", Run::Uname),
    Applet::linked("uniq", Run::Filter),
    Applet::linked("wc", Run::Wc),
    Applet::linked("wget", Run::Wget),
    Applet::linked("whoami", Run::Whoami),
    Applet::linked("yes", Run::Yes),
    // Images that have these link them themselves (`/bin/bash` in Debian,
    // `/usr/bin/curl` in nginx and Tomcat).
    Applet::unlinked("bash", Run::Shell),
    Applet::unlinked("curl", Run::Curl),
    Applet::unlinked("dash", Run::Shell),
];

/// One name busybox answers to.
struct Applet {
    name: &'static str,
    run: Run,
    /// Every image with busybox has `/bin/NAME` linked to it.
    linked: bool,
    /// ash runs it in the shell's own process, without forking (ash has
    /// builtins of these names).
    in_shell: bool,
}

impl Applet {
    const fn linked(name: &'static str, run: Run) -> Applet {
        Applet { name, run, linked: true, in_shell: false }
    }

    const fn in_shell(name: &'static str, run: Run) -> Applet {
        Applet { name, run, linked: true, in_shell: true }
    }

    const fn unlinked(name: &'static str, run: Run) -> Applet {
        Applet { name, run, linked: false, in_shell: false }
    }
}

/// What an applet runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Run {
    Dd,
    Free,
    Shell,
    Echo,
    Printf,
    True,
    False,
    Test,
    Cat,
    Cp,
    Mv,
    Rm,
    Rmdir,
    Mkdir,
    Touch,
    Ls,
    Sleep,
    Date,
    Hostname,
    Ps,
    Tail,
    Head,
    Wc,
    Grep,
    Wget,
    Curl,
    Printenv,
    Env,
    Id,
    Whoami,
    Kill,
    Readlink,
    Pwd,
    Uname,
    Basename,
    Dirname,
    Seq,
    Tee,
    /// `sort`, `uniq`, `tr`, `cut`.
    Filter,
    /// `ip`, `ifconfig`.
    Ip,
    Nslookup,
    Netstat,
    Chmod,
    Yes,
}

/// The applets images link as `/bin/NAME`.
pub fn linked_applets() -> impl Iterator<Item = &'static str> {
    APPLETS.iter().filter(|a| a.linked).map(|a| a.name)
}

/// Whether ash runs applet `name` in its own process (as a builtin).
pub fn runs_in_shell(name: &str) -> bool {
    APPLETS.iter().any(|a| a.in_shell && a.name == name)
}

/// Puts busybox and its `/bin` links in an image's tree, but for `except`.
pub fn install(tree: &mut Store, except: &[&str]) {
    tree.put("/bin/busybox", &executable("busybox"), 0o755);
    for applet in linked_applets().filter(|a| !except.contains(a)) {
        tree.put(&format!("/bin/{applet}"), &executable("busybox"), 0o755);
    }
}

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        let mut argv = argv;
        let mut name = fs::base_name(argv.first().map_or("busybox", String::as_str)).to_string();
        if name == "busybox" {
            if argv.len() < 2 {
                out(&sys, "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n");
                return 0;
            }
            argv.remove(0);
            name = fs::base_name(&argv[0]).to_string();
        }
        run_applet(&sys, &name, &argv).await
    })
}

/// Runs applet `name` (also used by the shell for its builtins).
pub async fn run_applet(sys: &Sys, name: &str, argv: &[String]) -> i32 {
    let Some(applet) = APPLETS.iter().find(|a| a.name == name) else {
        err(sys, &format!("{name}: applet not found\n"));
        return 127;
    };
    let args: Vec<&str> = argv.iter().skip(1).map(String::as_str).collect();
    match applet.run {
        Run::Shell => crate::shell::interp::run_shell(sys, argv).await,
        Run::Echo => echo(sys, &args),
        Run::Printf => printf(sys, &args),
        Run::True => 0,
        Run::False => 1,
        Run::Test => test(sys, name, &args),
        Run::Cat => cat(sys, &args).await,
        Run::Cp => cp(sys, &args),
        Run::Mv => mv(sys, &args),
        Run::Rm => rm(sys, &args),
        Run::Rmdir => each_path(sys, "rmdir", &args, |p| sys.remove(p, false)),
        Run::Mkdir => mkdir(sys, &args),
        Run::Touch => touch(sys, &args),
        Run::Ls => ls(sys, &args),
        Run::Sleep => sleep(sys, &args).await,
        Run::Date => date(sys, &args),
        Run::Dd => dd(sys, &args).await,
        Run::Free => free(sys, &args),
        Run::Hostname => print_line(sys, &sys.hostname()),
        Run::Ps => ps(sys, &args),
        Run::Tail => tail(sys, &args).await,
        Run::Head => head(sys, &args).await,
        Run::Wc => wc(sys, &args).await,
        Run::Grep => grep(sys, &args).await,
        Run::Wget => wget(sys, &args).await,
        Run::Curl => curl(sys, &args).await,
        Run::Printenv => printenv(sys, &args),
        Run::Env => env(sys, &args).await,
        Run::Id => id(sys),
        Run::Whoami => print_line(sys, &user_name(sys.uid())),
        Run::Kill => kill(sys, &args),
        Run::Readlink => readlink(sys, &args),
        Run::Pwd => print_line(sys, &sys.cwd()),
        Run::Uname => uname(sys, &args),
        Run::Basename => print_line(sys, args.first().map_or("", |a| fs::base_name(a.trim_end_matches('/')))),
        Run::Dirname => print_line(sys, &args.first().map_or(".".to_string(), |a| fs::parent(a))),
        Run::Seq => seq(sys, &args),
        Run::Tee => tee(sys, &args).await,
        Run::Filter => filter(sys, name, &args).await,
        Run::Nslookup => nslookup(sys, &args),
        Run::Ip => ip(sys, name, &args),
        Run::Netstat => netstat(sys),
        Run::Chmod => 0,
        Run::Yes => yes(sys, &args).await,
    }
}

/// Writes `text` and a newline to standard output; succeeds.
fn print_line(sys: &Sys, text: &str) -> i32 {
    out(sys, &format!("{text}\n"));
    0
}

fn printenv(sys: &Sys, args: &[&str]) -> i32 {
    if args.is_empty() {
        for (k, v) in sys.env() {
            out(sys, &format!("{k}={v}\n"));
        }
        return 0;
    }
    let mut status = 0;
    for name in args {
        match sys.getenv(name) {
            Some(v) => out(sys, &format!("{v}\n")),
            None => status = 1,
        }
    }
    status
}

/// busybox `id`: names from the container's /etc/passwd and /etc/group,
/// numbers alone for ids they do not list. The primary group is the
/// user's in /etc/passwd, or 0 for a user it does not list (runc's
/// `GetExecUser` default).
fn id(sys: &Sys) -> i32 {
    let uid = sys.uid();
    let passwd = sys.read_file("/etc/passwd").map(|d| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default();
    let group = sys.read_file("/etc/group").map(|d| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default();
    let user = fs::id_entry(&passwd, uid);
    let gid = user.as_ref().and_then(|f| f.get(3)).and_then(|g| g.parse().ok()).unwrap_or(0u32);
    let named = |id: u32, found: Option<Vec<&str>>| match found {
        Some(f) => format!("{id}({})", f[0]),
        None => id.to_string(),
    };
    let g = named(gid, fs::id_entry(&group, gid));
    out(sys, &format!("uid={} gid={g} groups={g}\n", named(uid, user)));
    0
}

fn uname(sys: &Sys, args: &[&str]) -> i32 {
    let text = if args.contains(&"-a") {
        format!("Linux {} 6.8.0-podplay #1 SMP PREEMPT_DYNAMIC x86_64 GNU/Linux\n", sys.hostname())
    } else {
        "Linux\n".to_string()
    };
    out(sys, &text);
    0
}

/// `yes`: busybox writes through stdio, in blocks of about 4 KiB of lines,
/// until the reader goes away.
async fn yes(sys: &Sys, args: &[&str]) -> i32 {
    let line = if args.is_empty() { "y\n".to_string() } else { format!("{}\n", args.join(" ")) };
    let block = line.repeat((4096 / line.len()).max(1));
    loop {
        if sys.write_fd(1, block.as_bytes()).is_err() {
            return 0;
        }
        sys.tick().await;
    }
}

fn user_name(uid: u32) -> String {
    match uid {
        0 => "root".into(),
        65534 => "nobody".into(),
        other => other.to_string(),
    }
}

fn echo(sys: &Sys, args: &[&str]) -> i32 {
    let mut newline = true;
    let mut escapes = false;
    let mut words = args;
    while let Some(first) = words.first() {
        match *first {
            "-n" => newline = false,
            "-e" => escapes = true,
            "-ne" | "-en" => {
                newline = false;
                escapes = true;
            }
            _ => break,
        }
        words = &words[1..];
    }
    let mut text = words.join(" ");
    if escapes {
        text = unescape(&text);
    }
    if newline {
        text.push('\n');
    }
    match sys.write_fd(1, text.as_bytes()) {
        Ok(()) => 0,
        Err(e) => {
            err(sys, &format!("echo: write error: {}\n", e.text()));
            1
        }
    }
}

fn unescape(s: &str) -> String {
    s.replace("\\n", "\n").replace("\\t", "\t").replace("\\\\", "\\")
}

fn printf(sys: &Sys, args: &[&str]) -> i32 {
    let Some(format) = args.first() else {
        err(sys, "printf: usage: printf FORMAT [ARGUMENT...]\n");
        return 1;
    };
    let mut rest = args[1..].iter();
    let mut outp = String::new();
    let fmt = unescape(format);
    let mut chars = fmt.chars().peekable();
    loop {
        let before = rest.len();
        while let Some(c) = chars.next() {
            if c == '%' {
                match chars.next() {
                    Some('s') => outp.push_str(rest.next().copied().unwrap_or("")),
                    Some('d') | Some('i') => {
                        outp.push_str(&rest.next().and_then(|a| a.parse::<i64>().ok()).unwrap_or(0).to_string())
                    }
                    Some('%') => outp.push('%'),
                    Some(other) => {
                        outp.push('%');
                        outp.push(other);
                    }
                    None => outp.push('%'),
                }
            } else {
                outp.push(c);
            }
        }
        // Like printf(1), the format is reused while arguments remain (and
        // only if it uses some: `printf '%%' a` prints `%` once).
        if rest.len() == 0 || rest.len() == before {
            break;
        }
        chars = fmt.chars().peekable();
    }
    let _ = sys.write_fd(1, outp.as_bytes());
    0
}

/// `test` / `[`: files, strings, integers, `!`, `-a`, `-o`.
pub fn test(sys: &Sys, name: &str, args: &[&str]) -> i32 {
    let mut args = args.to_vec();
    if name == "[" {
        if args.last() != Some(&"]") {
            err(sys, "[: missing ]\n");
            return 2;
        }
        args.pop();
    }
    match eval_test(sys, &args) {
        Ok(true) => 0,
        Ok(false) => 1,
        Err(msg) => {
            err(sys, &format!("{name}: {msg}\n"));
            2
        }
    }
}

/// `-o` binds loosest, then `-a`, then `!`. Loops, not recursion: a script
/// can pass thousands of arguments (`[ $(yes ! | head -n 100000) ]`).
fn eval_test(sys: &Sys, args: &[&str]) -> Result<bool, String> {
    for alternative in args.split(|a| *a == "-o") {
        if eval_and(sys, alternative)? {
            return Ok(true);
        }
    }
    Ok(false)
}

fn eval_and(sys: &Sys, mut args: &[&str]) -> Result<bool, String> {
    loop {
        match args.iter().position(|a| *a == "-a") {
            Some(i) if i > 0 => {
                if !eval_term(sys, &args[..i])? {
                    return Ok(false);
                }
                args = &args[i + 1..];
            }
            _ => return eval_term(sys, args),
        }
    }
}

fn eval_term(sys: &Sys, args: &[&str]) -> Result<bool, String> {
    let negations = args.iter().take_while(|a| **a == "!").count();
    Ok(eval_primary(sys, &args[negations..])? != (negations % 2 == 1))
}

fn eval_primary(sys: &Sys, args: &[&str]) -> Result<bool, String> {
    match args {
        [] => Ok(false),
        [s] => Ok(!s.is_empty()),
        [op, operand] => {
            let p = *operand;
            Ok(match *op {
                "-n" => !p.is_empty(),
                "-z" => p.is_empty(),
                "-e" | "-a" => sys.stat(p).is_some(),
                "-f" => sys.stat(p) == Some(false),
                "-d" => sys.stat(p) == Some(true),
                "-s" => sys.read_file(p).is_ok_and(|d| !d.is_empty()),
                "-r" | "-w" => sys.stat(p).is_some(),
                "-x" => sys.mode(p).is_some_and(|m| m & 0o111 != 0),
                "-L" | "-h" => false,
                other => return Err(format!("{other}: unknown operand")),
            })
        }
        [a, op, b] => {
            let int = |s: &str| s.trim().parse::<i64>().map_err(|_| format!("{s}: bad number"));
            Ok(match *op {
                "=" | "==" => a == b,
                "!=" => a != b,
                "-eq" => int(a)? == int(b)?,
                "-ne" => int(a)? != int(b)?,
                "-lt" => int(a)? < int(b)?,
                "-le" => int(a)? <= int(b)?,
                "-gt" => int(a)? > int(b)?,
                "-ge" => int(a)? >= int(b)?,
                other => return Err(format!("{other}: unknown operand")),
            })
        }
        _ => Err("syntax error".into()),
    }
}

/// Reads all of standard input.
pub async fn read_stdin(sys: &Sys) -> Vec<u8> {
    let mut all = Vec::new();
    loop {
        let chunk = sys.read_fd(0).await;
        if chunk.is_empty() {
            return all;
        }
        all.extend(chunk);
        if all.len() > crate::kernel::limits::FILE_BYTES {
            return all;
        }
    }
}

/// The input of a filter: the files named, or standard input.
async fn inputs(sys: &Sys, name: &str, files: &[&str]) -> (Vec<u8>, i32) {
    if files.is_empty() || files == ["-"] {
        return (read_stdin(sys).await, 0);
    }
    let mut data = Vec::new();
    let mut status = 0;
    for f in files {
        match sys.read_file(f) {
            Ok(d) => data.extend(d),
            Err(e) => {
                err(sys, &format!("{name}: can't open '{f}': {}\n", e.text()));
                status = 1;
            }
        }
    }
    (data, status)
}

async fn cat(sys: &Sys, args: &[&str]) -> i32 {
    if args.is_empty() || args == ["-"] {
        loop {
            let chunk = sys.read_fd(0).await;
            if chunk.is_empty() {
                return 0;
            }
            let _ = sys.write_fd(1, &chunk);
        }
    }
    let mut status = 0;
    for f in args {
        if let Some(mut device) = Endless::open(f) {
            // Endless: until the reader goes away (or a signal).
            while sys.write_fd(1, &device.read(4096)).is_ok() {
                sys.tick().await;
            }
            return 0;
        }
        match sys.read_file(f) {
            Ok(d) => {
                let _ = sys.write_fd(1, &d);
            }
            Err(Errno::IsDir) => {
                err(sys, &format!("cat: read error: {}\n", Errno::IsDir.text()));
                status = 1;
            }
            Err(e) => {
                err(sys, &format!("cat: can't open '{f}': {}\n", e.text()));
                status = 1;
            }
        }
    }
    status
}

fn split_flags<'a>(args: &[&'a str]) -> (String, Vec<&'a str>) {
    let mut flags = String::new();
    let mut rest = Vec::new();
    for a in args {
        match a.strip_prefix('-') {
            Some(f) if !f.is_empty() && rest.is_empty() && !f.starts_with(|c: char| c.is_ascii_digit()) => {
                flags.push_str(f)
            }
            _ => rest.push(*a),
        }
    }
    (flags, rest)
}

fn cp(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, paths) = split_flags(args);
    let recursive = flags.contains('r') || flags.contains('R') || flags.contains('a');
    if paths.len() < 2 {
        err(sys, "cp: missing destination file operand\n");
        return 1;
    }
    let (sources, dest) = paths.split_at(paths.len() - 1);
    let dest = dest[0];
    let dest_is_dir = sys.stat(dest) == Some(true);
    let mut status = 0;
    for src in sources {
        let target = if dest_is_dir { fs::join(dest, fs::base_name(src)) } else { dest.to_string() };
        let result = match sys.stat(src) {
            Some(true) if !recursive => {
                err(sys, &format!("cp: omitting directory '{src}'\n"));
                status = 1;
                continue;
            }
            _ => sys.copy(src, &target),
        };
        let result = result.map(|omitted| {
            for dir in omitted {
                err(sys, &format!("cp: recursion detected, omitting directory '{dir}'\n"));
                status = 1;
            }
        });
        if let Err(e) = result {
            let msg = match e {
                Errno::NoEnt if sys.stat(src).is_none() => {
                    format!("cp: can't stat '{src}': {}\n", e.text())
                }
                _ => format!("cp: can't create '{target}': {}\n", e.text()),
            };
            err(sys, &msg);
            status = 1;
        }
    }
    status
}

fn mv(sys: &Sys, args: &[&str]) -> i32 {
    let (_, paths) = split_flags(args);
    if paths.len() < 2 {
        err(sys, "mv: missing destination file operand\n");
        return 1;
    }
    let (sources, dest) = paths.split_at(paths.len() - 1);
    let dest = dest[0];
    let dest_is_dir = sys.stat(dest) == Some(true);
    for src in sources {
        let target = if dest_is_dir { fs::join(dest, fs::base_name(src)) } else { dest.to_string() };
        // rename(2) refuses to move a directory into itself.
        let (from, to) = (fs::normalize(&sys.cwd(), src), fs::normalize(&sys.cwd(), &target));
        if from != to && (from == "/" || to.starts_with(&format!("{from}/"))) {
            err(sys, &format!("mv: can't rename '{src}': Invalid argument\n"));
            return 1;
        }
        if from == to {
            continue;
        }
        if let Err(e) = sys.copy(src, &target).and_then(|_| sys.remove(src, true)) {
            err(sys, &format!("mv: can't rename '{src}': {}\n", e.text()));
            return 1;
        }
    }
    0
}

fn rm(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, paths) = split_flags(args);
    let recursive = flags.contains('r') || flags.contains('R');
    let force = flags.contains('f');
    let mut status = 0;
    for p in paths {
        match sys.remove(p, recursive) {
            Ok(()) => {}
            Err(Errno::NoEnt) if force => {}
            Err(Errno::IsDir) => {
                err(sys, &format!("rm: '{p}' is a directory\n"));
                status = 1;
            }
            Err(e) => {
                err(sys, &format!("rm: can't remove '{p}': {}\n", e.text()));
                status = 1;
            }
        }
    }
    status
}

fn each_path(sys: &Sys, name: &str, args: &[&str], f: impl Fn(&str) -> Result<(), Errno>) -> i32 {
    let mut status = 0;
    for p in args.iter().filter(|a| !a.starts_with('-')) {
        if let Err(e) = f(p) {
            err(sys, &format!("{name}: '{p}': {}\n", e.text()));
            status = 1;
        }
    }
    status
}

fn mkdir(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, paths) = split_flags(args);
    let parents = flags.contains('p');
    let mut status = 0;
    for p in paths {
        if let Err(e) = sys.mkdir(p, parents) {
            err(sys, &format!("mkdir: can't create directory '{p}': {}\n", e.text()));
            status = 1;
        }
    }
    status
}

fn touch(sys: &Sys, args: &[&str]) -> i32 {
    let mut status = 0;
    for p in args.iter().filter(|a| !a.starts_with('-')) {
        if sys.stat(p).is_none() {
            if let Err(e) = sys.write_file(p, b"", false) {
                err(sys, &format!("touch: {p}: {}\n", e.text()));
                status = 1;
            }
        }
    }
    status
}

fn ls(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, mut paths) = split_flags(args);
    let long = flags.contains('l');
    let all = flags.contains('a');
    // `-d`: directories are listed as themselves, not their contents.
    let itself = flags.contains('d');
    if paths.is_empty() {
        paths.push(".");
    }
    let mut status = 0;
    let many = paths.len() > 1;
    for (i, p) in paths.iter().enumerate() {
        match sys.stat(p) {
            None => {
                err(sys, &format!("ls: {p}: {}\n", Errno::NoEnt.text()));
                status = 1;
            }
            Some(is_dir) if !is_dir || itself => {
                out(sys, &format!("{}\n", if long { long_line(sys, p, p) } else { p.to_string() }))
            }
            Some(_) => {
                if many {
                    out(sys, &format!("{}{p}:\n", if i > 0 { "\n" } else { "" }));
                }
                let mut names = sys.list_dir(p).unwrap_or_default();
                if all {
                    names.insert(0, "..".into());
                    names.insert(0, ".".into());
                } else {
                    names.retain(|n| !n.starts_with('.'));
                }
                if long {
                    out(sys, &format!("total {}\n", names.len() * 4));
                    for n in names {
                        let full = fs::join(p, &n);
                        out(sys, &format!("{}\n", long_line(sys, &full, &n)));
                    }
                } else {
                    for n in names {
                        out(sys, &format!("{n}\n"));
                    }
                }
            }
        }
    }
    status
}

fn long_line(sys: &Sys, full: &str, name: &str) -> String {
    let is_dir = sys.stat(full) == Some(true);
    let mode = sys.mode(full).unwrap_or(0o644);
    let size = if is_dir { 4096 } else { sys.read_file(full).map(|d| d.len()).unwrap_or(0) };
    let mut perms = String::from(if is_dir { "d" } else { "-" });
    for shift in [6, 3, 0] {
        let bits = (mode >> shift) & 7;
        perms.push(if bits & 4 != 0 { 'r' } else { '-' });
        perms.push(if bits & 2 != 0 { 'w' } else { '-' });
        perms.push(if bits & 1 != 0 { 'x' } else { '-' });
    }
    let t = sys.now().civil();
    format!("{perms}    1 root     root     {size:>8} {} {name}", t.strftime("%b %e %H:%M"))
}

/// busybox `sleep`: seconds, with optional fraction and s/m/h/d suffix, or `infinity`.
pub fn parse_sleep(arg: &str) -> Option<MonoDuration> {
    if arg == "infinity" {
        return Some(MonoDuration(u64::MAX / 4));
    }
    let (number, unit) = match arg.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&arg[..i], c),
        _ => (arg, 's'),
    };
    let value = podplay_core::number::parse_f64(number).filter(|v| *v >= 0.0 && v.is_finite())?;
    let factor = match unit {
        's' => 1.0,
        'm' => 60.0,
        'h' => 3600.0,
        'd' => 86_400.0,
        _ => return None,
    };
    Some(MonoDuration((value * factor * 1000.0).min(1e15) as u64))
}

async fn sleep(sys: &Sys, args: &[&str]) -> i32 {
    let Some(arg) = args.first() else {
        err(sys, "sleep: missing operand\n");
        return 1;
    };
    let mut total = MonoDuration::ZERO;
    for a in args {
        match parse_sleep(a) {
            Some(d) => total = total + d,
            None => {
                err(sys, &format!("sleep: invalid number '{arg}'\n"));
                return 1;
            }
        }
    }
    sys.sleep(total).await;
    0
}

fn date(sys: &Sys, args: &[&str]) -> i32 {
    let t = sys.now().civil();
    let text = match args.iter().find(|a| a.starts_with('+')) {
        Some(fmt) => t.strftime(&fmt[1..]),
        None => t.strftime("%a %b %e %H:%M:%S UTC %Y"),
    };
    out(sys, &format!("{text}\n"));
    0
}

fn ps(sys: &Sys, _args: &[&str]) -> i32 {
    let mut text = String::from("PID   USER     TIME  COMMAND\n");
    for p in sys.processes() {
        text.push_str(&format!("{:>5} {:<8} {:>5} {}\n", p.pid, user_name(p.uid), "0:00", p.cmdline));
    }
    out(sys, &text);
    0
}

/// Lines to keep: `-n N` (last N), `-n +N` (from line N on).
fn tail_count(args: &[&str]) -> (Option<usize>, usize, bool, Vec<String>) {
    let mut last = Some(10);
    let mut from = 0;
    let mut follow = false;
    let mut files = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        let count_arg = if a == "-n" {
            i += 1;
            args.get(i).copied()
        } else {
            a.strip_prefix("-n")
        };
        if let Some(n) = count_arg {
            if let Some(plus) = n.strip_prefix('+') {
                from = plus.parse::<usize>().unwrap_or(1).max(1);
                last = None;
            } else {
                last = n.parse().ok();
            }
        } else if a.len() > 1 && a.starts_with('-') && a[1..].bytes().all(|b| b.is_ascii_digit()) {
            // The old `-NUM` form.
            last = a[1..].parse().ok();
        } else if a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| c == 'f' || c == 'F') {
            // -f, -F, or them repeated.
            follow = true;
        } else {
            files.push(a.to_string());
        }
        i += 1;
    }
    (last, from, follow, files)
}

fn select_lines(text: &str, last: Option<usize>, from: usize) -> String {
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let start = match last {
        Some(n) => lines.len().saturating_sub(n),
        None => from.saturating_sub(1),
    };
    lines.get(start..).map(|l| l.concat()).unwrap_or_default()
}

async fn tail(sys: &Sys, args: &[&str]) -> i32 {
    let (last, from, follow, files) = tail_count(args);
    let Some(file) = files.first().cloned() else {
        let data = tail_stdin(sys, last).await;
        out(sys, &select_lines(&String::from_utf8_lossy(&data), last, from));
        return 0;
    };
    let mut offset = match sys.read_file(&file) {
        Ok(data) => {
            out(sys, &select_lines(&String::from_utf8_lossy(&data), last, from));
            data.len()
        }
        Err(e) => {
            err(sys, &format!("tail: can't open '{file}': {}\n", e.text()));
            if !follow {
                return 1;
            }
            0
        }
    };
    if !follow {
        return 0;
    }
    // `-f`/`-F`: wait for the file to grow (or appear), printing what is new.
    loop {
        if !sys.sleep(MonoDuration::from_secs(1)).await && sys.has_signal() {
            // A caught signal (the shell's trap) ends following too.
            return 0;
        }
        match sys.read_file(&file) {
            Ok(data) if data.len() > offset => {
                let _ = sys.write_fd(1, &data[offset..]);
                offset = data.len();
            }
            Ok(data) if data.len() < offset => {
                err(sys, &format!("tail: {file}: file truncated\n"));
                offset = 0;
            }
            _ => {}
        }
    }
}

/// What `tail` holds of its input: with `-n N`, the last N lines and the
/// line still open (a stream without newlines grows it without end); with
/// `+N`, everything. The bytes held are the process's memory. Past
/// [`FILE_BYTES`](crate::kernel::limits::FILE_BYTES), the most podplay
/// holds for real, the input is taken to grow on: past any memory limit.
async fn tail_stdin(sys: &Sys, last: Option<usize>) -> Vec<u8> {
    let mut held: Vec<u8> = Vec::new();
    loop {
        let chunk = sys.read_fd(0).await;
        if chunk.is_empty() {
            return held;
        }
        let new_line = chunk.contains(&b'\n');
        held.extend(chunk);
        if let Some(n) = last.filter(|_| new_line) {
            // Keep the last n complete lines and the open one.
            let ends: Vec<usize> = held.iter().enumerate().filter(|(_, b)| **b == b'\n').map(|(i, _)| i).collect();
            if ends.len() > n {
                let cut = ends[ends.len() - n - 1] + 1;
                held.drain(..cut);
            }
        }
        if held.len() > crate::kernel::limits::FILE_BYTES {
            sys.exhaust_memory().await;
            return held;
        }
        sys.use_memory(held.len() as u64).await;
    }
}

async fn head(sys: &Sys, args: &[&str]) -> i32 {
    if let Some(i) = args.iter().position(|a| *a == "-c" || (a.starts_with("-c") && a.len() > 2)) {
        let count = if args[i] == "-c" { args.get(i + 1).copied() } else { args[i].strip_prefix("-c") };
        // busybox's `head_suffixes`: b, k and m only (`2M` is refused).
        const UNITS: &[(&str, u64)] = &[("", 1), ("b", 512), ("k", 1 << 10), ("m", 1 << 20)];
        let Some(count) = count.and_then(|c| super::scaled(c, UNITS)) else {
            err(sys, &format!("head: invalid number '{}'\n", count.unwrap_or_default()));
            return 1;
        };
        let file =
            args.iter().enumerate().find(|(j, a)| *j != i && *j != i + 1 && !a.starts_with('-')).map(|(_, a)| *a);
        return head_bytes(sys, file, count).await;
    }
    let (last, _, _, files) = tail_count(args);
    let n = last.unwrap_or(10);
    let refs: Vec<&str> = files.iter().map(String::as_str).collect();
    let (data, status) = if refs.is_empty() || refs == ["-"] {
        // Reading stops once N lines are in (`yes | head -n 3` ends).
        let mut data = Vec::new();
        let mut lines = 0;
        while lines < n && data.len() <= crate::kernel::limits::FILE_BYTES {
            let chunk = sys.read_fd(0).await;
            if chunk.is_empty() {
                break;
            }
            lines += chunk.iter().filter(|b| **b == b'\n').count();
            data.extend(chunk);
        }
        (data, 0)
    } else {
        inputs(sys, "head", &refs).await
    };
    let text: String = String::from_utf8_lossy(&data).split_inclusive('\n').take(n).collect();
    out(sys, &text);
    status
}

/// `head -c N [FILE]`: the first N bytes.
async fn head_bytes(sys: &Sys, file: Option<&str>, count: u64) -> i32 {
    let count = usize::try_from(count).unwrap_or(usize::MAX).min(crate::kernel::limits::FILE_BYTES);
    let data = match file.filter(|f| *f != "-") {
        Some(f) => match Endless::open(f) {
            Some(mut device) => device.read(count),
            None => match sys.read_file(f) {
                Ok(d) => d,
                Err(e) => {
                    err(sys, &format!("head: {f}: {}\n", e.text()));
                    return 1;
                }
            },
        },
        None => {
            let mut data = Vec::new();
            while data.len() < count {
                let chunk = sys.read_fd(0).await;
                if chunk.is_empty() {
                    break;
                }
                data.extend(chunk);
            }
            data
        }
    };
    let _ = sys.write_fd(1, &data[..data.len().min(count)]);
    0
}

/// The character devices that never run dry: `/dev/zero` gives zeros,
/// `/dev/urandom` and `/dev/random` bytes from a fixed-seed generator.
struct Endless {
    random: bool,
    state: u64,
}

impl Endless {
    fn open(path: &str) -> Option<Endless> {
        match path {
            "/dev/zero" => Some(Endless { random: false, state: 0 }),
            "/dev/urandom" | "/dev/random" => Some(Endless { random: true, state: 0x9E37_79B9_7F4A_7C15 }),
            _ => None,
        }
    }

    fn read(&mut self, n: usize) -> Vec<u8> {
        if !self.random {
            return vec![0; n];
        }
        (0..n)
            .map(|_| {
                // xorshift64: not cryptographic, only varied.
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                (self.state >> 24) as u8
            })
            .collect()
    }
}

/// busybox `free` (KiB; `-m` MiB): from `/proc/meminfo`, so in a
/// container it shows the node's memory, not the container's limit.
fn free(sys: &Sys, args: &[&str]) -> i32 {
    let meminfo = sys.read_file("/proc/meminfo").map(|d| String::from_utf8_lossy(&d).into_owned()).unwrap_or_default();
    let field = |name: &str| -> u64 {
        meminfo
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    let shift = if args.contains(&"-m") { 10 } else { 0 };
    let (total, free) = (field("MemTotal:") >> shift, field("MemFree:") >> shift);
    let used = total.saturating_sub(free);
    out(
        sys,
        &format!(
            "              total        used        free      shared  buff/cache   available\nMem:   {total:>12}{used:>12}{free:>12}{:>12}{:>12}{free:>12}\nSwap:  {:>12}{:>12}{:>12}\n",
            0, 0, 0, 0, 0
        ),
    );
    0
}

/// busybox `dd`'s size suffixes (`xatoull_sfx` with `dd_suffixes`).
fn dd_size(text: &str) -> Option<u64> {
    const UNITS: &[(&str, u64)] = &[
        ("", 1),
        ("c", 1),
        ("w", 2),
        ("b", 512),
        ("kB", 1000),
        ("kD", 1000),
        ("k", 1 << 10),
        ("K", 1 << 10),
        ("KiB", 1 << 10),
        ("MB", 1_000_000),
        ("MD", 1_000_000),
        ("M", 1 << 20),
        ("MiB", 1 << 20),
        ("GB", 1_000_000_000),
        ("GD", 1_000_000_000),
        ("G", 1 << 30),
        ("GiB", 1 << 30),
    ];
    super::scaled(text, UNITS)
}

/// busybox `dd if= of= bs= count=`: one buffer of `bs` bytes (the
/// process's memory: `dd bs=200M` needs 200 MiB), copied `count` times at
/// about 1 GiB/s of simulated time. Endless devices and `/dev/null` are
/// streamed without holding their bytes; a file or a pipe gets the data.
async fn dd(sys: &Sys, args: &[&str]) -> i32 {
    let mut operands: Vec<(&str, &str)> = Vec::new();
    for a in args {
        match a.split_once('=') {
            Some(pair) => operands.push(pair),
            None => {
                err(sys, &format!("dd: invalid argument '{a}'\n"));
                return 1;
            }
        }
    }
    let operand = |key: &str| operands.iter().rev().find(|(k, _)| *k == key).map(|(_, v)| *v);
    let number = |key: &str, default: u64| operand(key).map_or(Some(default), dd_size);
    let (Some(bs), Some(count)) = (number("bs", 512), number("count", u64::MAX)) else {
        err(sys, "dd: invalid number\n");
        return 1;
    };
    let bs = bs.max(1);
    sys.use_memory(bs).await;
    let input = operand("if");
    let mut device = input.and_then(Endless::open);
    let mut file = match input.filter(|_| device.is_none()) {
        Some(f) => match sys.read_file(f) {
            Ok(d) => Some(d),
            Err(e) => {
                err(sys, &format!("dd: can't open '{f}': {}\n", e.text()));
                return 1;
            }
        },
        None => None,
    };
    let output = operand("of");
    if let Some(o) = output.filter(|o| *o != "/dev/null") {
        // `of=` truncates first.
        if let Err(e) = sys.write_file(o, b"", false) {
            err(sys, &format!("dd: can't open '{o}': {}\n", e.text()));
            return 1;
        }
    }
    let started = sys.now();
    let (mut records, mut partial, mut total) = (0u64, 0u64, 0u64);
    let chunk_cap = crate::kernel::limits::PIPE_BYTES as u64;
    while records + partial < count {
        // One block: read (at most bs), then write it.
        let want = bs;
        let got: u64 = if let Some(d) = device.as_mut() {
            if output == Some("/dev/null") {
                want
            } else {
                let bytes = d.read(usize::try_from(want.min(chunk_cap)).unwrap_or(0));
                if !dd_write(sys, output, &bytes) {
                    break;
                }
                want
            }
        } else {
            let data: Vec<u8> = match file.as_mut() {
                Some(f) => f.drain(..f.len().min(usize::try_from(want).unwrap_or(usize::MAX))).collect(),
                None => sys.read_fd(0).await,
            };
            if data.is_empty() {
                break;
            }
            if output != Some("/dev/null") && !dd_write(sys, output, &data) {
                break;
            }
            data.len() as u64
        };
        if got == bs {
            records += 1
        } else {
            partial += 1
        }
        total = total.saturating_add(got);
        // About 1 GiB/s: the copy takes simulated time.
        sys.sleep(MonoDuration((got >> 20).max(1))).await;
        sys.tick().await;
    }
    if operand("status") != Some("none") {
        // Integer arithmetic: float formatting would cost the page ~10 KB.
        let millis = sys.now().since(started).0.max(1);
        let rate = total.saturating_mul(1000) / millis;
        err(
            sys,
            &format!(
                "{records}+{partial} records in\n{records}+{partial} records out\n{total} bytes ({}B) copied, {}.{:03}000 seconds, {}B/s\n",
                human_size(total),
                millis / 1000,
                millis % 1000,
                human_size(rate)
            ),
        );
    }
    sys.use_memory(0).await;
    0
}

/// What `dd` writes: to `of=` (appending after the first block) or stdout.
fn dd_write(sys: &Sys, output: Option<&str>, data: &[u8]) -> bool {
    let result = match output {
        Some(o) => sys.write_file(o, data, true),
        None => sys.write_fd(1, data),
    };
    match result {
        Ok(()) => true,
        Err(e) => {
            err(sys, &format!("dd: error writing '{}': {}\n", output.unwrap_or("standard output"), e.text()));
            false
        }
    }
}

/// busybox `make_human_readable_str(n, 1, 0)`: `200.0M`, `1.9G`, `512`.
fn human_size(n: u64) -> String {
    let units = ["", "K", "M", "G", "T"];
    let mut unit = 0;
    let mut scale: u64 = 1;
    while n / scale >= 1024 && unit + 1 < units.len() {
        scale *= 1024;
        unit += 1;
    }
    if unit == 0 {
        return n.to_string();
    }
    let tenths = (n / scale) * 10 + ((n % scale) * 10 + scale / 2) / scale;
    format!("{}.{}{}", tenths / 10, tenths % 10, units[unit])
}

async fn wc(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, files) = split_flags(args);
    let (data, status) = inputs(sys, "wc", &files).await;
    let text = String::from_utf8_lossy(&data);
    let lines = text.matches('\n').count();
    let words = text.split_whitespace().count();
    let bytes = data.len();
    let suffix = files.first().map(|f| format!(" {f}")).unwrap_or_default();
    let line = match flags.as_str() {
        "l" => format!("{lines}{suffix}"),
        "w" => format!("{words}{suffix}"),
        "c" => format!("{bytes}{suffix}"),
        _ => format!("{lines:>9} {words:>9} {bytes:>9}{suffix}"),
    };
    out(sys, &format!("{line}\n"));
    status
}

async fn grep(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, rest) = split_flags(args);
    let Some((pattern, files)) = rest.split_first() else {
        err(sys, "Usage: grep [-HhnlLoqvsrRiwFE] PATTERN/-e PATTERN.../-f FILE [FILE]...\n");
        return 2;
    };
    let invert = flags.contains('v');
    let ignore = flags.contains('i');
    let count = flags.contains('c');
    let quiet = flags.contains('q');
    let (data, status) = inputs(sys, "grep", files).await;
    let text = String::from_utf8_lossy(&data);
    let matches = |line: &str| {
        let (l, p) = if ignore {
            (line.to_ascii_lowercase(), pattern.to_ascii_lowercase())
        } else {
            (line.to_string(), pattern.to_string())
        };
        let hit = match (p.strip_prefix('^'), p.strip_suffix('$')) {
            (Some(start), _) if !start.ends_with('$') => l.starts_with(start),
            (Some(both), _) => l == both.trim_end_matches('$'),
            (None, Some(end)) => l.ends_with(end),
            (None, None) => l.contains(&p),
        };
        hit != invert
    };
    let hits: Vec<&str> = text.lines().filter(|l| matches(l)).collect();
    if count {
        out(sys, &format!("{}\n", hits.len()));
    } else if !quiet {
        for h in &hits {
            out(sys, &format!("{h}\n"));
        }
    }
    if status != 0 {
        2
    } else if hits.is_empty() {
        1
    } else {
        0
    }
}

/// `env [-i] [NAME=VALUE]... [COMMAND [ARG]...]`.
async fn env(sys: &Sys, args: &[&str]) -> i32 {
    let mut vars = sys.env();
    let mut rest = args;
    if rest.first() == Some(&"-i") {
        vars.clear();
        rest = &rest[1..];
    }
    while let Some((k, v)) = rest.first().and_then(|a| a.split_once('=')) {
        vars.insert(k.to_string(), v.to_string());
        rest = &rest[1..];
    }
    if rest.is_empty() {
        for (k, v) in vars {
            out(sys, &format!("{k}={v}\n"));
        }
        return 0;
    }
    let argv: Vec<String> = rest.iter().map(|s| s.to_string()).collect();
    match sys.spawn(argv, sys.fds(), vars) {
        Ok(pid) => sys.wait(pid).await.code(),
        Err(e) => {
            err(sys, &format!("env: can't execute '{}': {}\n", rest[0], e.text()));
            127
        }
    }
}

/// `curl [-s] [-f] [-o FILE] URL`, translated to the wget code path.
async fn curl(sys: &Sys, args: &[&str]) -> i32 {
    let mut translated: Vec<&str> = vec!["-q"];
    let mut output = "-";
    let mut i = 0;
    while i < args.len() {
        match args[i] {
            "-o" => {
                i += 1;
                output = args.get(i).copied().unwrap_or("-");
            }
            a if a.starts_with('-') => {}
            a => translated.push(a),
        }
        i += 1;
    }
    translated.push("-O");
    translated.push(output);
    match wget(sys, &translated).await {
        0 => 0,
        _ => 7,
    }
}

/// busybox wget: `wget [-q] [-O FILE|-O-] [-T SEC] [--post-data DATA] URL`.
async fn wget(sys: &Sys, args: &[&str]) -> i32 {
    let mut quiet = false;
    let mut output: Option<String> = None;
    let mut post: Option<String> = None;
    let mut spider = false;
    let mut url = None;
    let mut i = 0;
    while i < args.len() {
        let a = args[i];
        match a {
            "-q" => quiet = true,
            "-O" => {
                i += 1;
                output = args.get(i).map(|s| s.to_string());
            }
            "-qO-" | "-qO" => {
                quiet = true;
                output = Some(if a == "-qO-" {
                    "-".into()
                } else {
                    args.get(i + 1).map(|s| s.to_string()).unwrap_or_default()
                });
                if a == "-qO" {
                    i += 1;
                }
            }
            "-T" => i += 1,
            "--spider" => spider = true,
            "--post-data" => {
                i += 1;
                post = args.get(i).map(|s| s.to_string());
            }
            a if a.starts_with("-O") => output = Some(a[2..].to_string()),
            a if a.starts_with("--post-data=") => post = Some(a["--post-data=".len()..].to_string()),
            a if !a.starts_with('-') => url = Some(a.to_string()),
            _ => {}
        }
        i += 1;
    }
    let Some(url) = url else {
        err(
            sys,
            "BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n",
        );
        return 1;
    };
    let rest = url.strip_prefix("http://").unwrap_or(&url);
    let (hostport, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (h, p.parse().unwrap_or(80)),
        None => (hostport, 80u16),
    };
    let method = if post.is_some() { "POST" } else { "GET" };
    let display_ip = if host == "localhost" { "127.0.0.1".to_string() } else { host.to_string() };
    if !quiet {
        err(sys, &format!("Connecting to {hostport} ({display_ip}:{port})\n"));
    }
    let conn = match sys.connect(host, port, request(method, host, path, post.as_deref().unwrap_or(""))) {
        Ok(c) => c,
        Err(Errno::HostUnreach) if host.parse::<std::net::IpAddr>().is_err() => {
            err(sys, &format!("wget: bad address '{hostport}'\n"));
            return 1;
        }
        Err(e) => {
            err(sys, &format!("wget: can't connect to remote host ({display_ip}): {}\n", e.text()));
            return 1;
        }
    };
    let Some(response) = sys.response(conn).await else {
        err(sys, "wget: error getting response: Connection reset by peer\n");
        return 1;
    };
    let (status, body) = parse_response(&response);
    if !(200..400).contains(&status) {
        err(sys, &format!("wget: server returned error: HTTP/1.1 {status} {}\n", super::http::reason(status)));
        return 1;
    }
    if spider {
        if !quiet {
            err(sys, "remote file exists\n");
        }
        return 0;
    }
    let target = output.unwrap_or_else(|| {
        let name = fs::base_name(path);
        if name.is_empty() { "index.html".into() } else { name.to_string() }
    });
    if target == "-" {
        if !quiet {
            err(sys, "writing to stdout\n");
        }
        let _ = sys.write_fd(1, body.as_bytes());
        if !quiet {
            err(sys, "written to stdout\n");
        }
    } else {
        if !quiet {
            err(sys, &format!("saving to '{target}'\n"));
        }
        if let Err(e) = sys.write_file(&target, body.as_bytes(), false) {
            err(sys, &format!("wget: can't open '{target}': {}\n", e.text()));
            return 1;
        }
        if !quiet {
            err(sys, &format!("'{target}' saved\n"));
        }
    }
    0
}

fn kill(sys: &Sys, args: &[&str]) -> i32 {
    let mut sig = SIGTERM;
    let mut targets = args;
    if let Some(first) = args.first() {
        if *first == "-l" {
            out(sys, " 1) HUP\n 2) INT\n 3) QUIT\n 9) KILL\n10) USR1\n15) TERM\n");
            return 0;
        }
        if let Some(name) = first.strip_prefix('-') {
            let name = name.strip_prefix("s ").unwrap_or(name);
            match signal_number(name) {
                Some(n) => sig = n,
                None => {
                    err(sys, &format!("kill: bad signal name '{name}'\n"));
                    return 1;
                }
            }
            targets = &args[1..];
        }
    }
    let mut status = 0;
    for t in targets {
        let ok = t.parse::<u32>().ok().is_some_and(|pid| sys.kill(pid, sig).is_ok());
        if !ok {
            err(sys, &format!("kill: can't kill pid {t}: No such process\n"));
            status = 1;
        }
    }
    let _ = signal_name(sig);
    status
}

fn readlink(sys: &Sys, args: &[&str]) -> i32 {
    let (_, paths) = split_flags(args);
    let mut status = 0;
    for p in paths {
        match sys.readlink(p) {
            Ok(target) => out(sys, &format!("{target}\n")),
            Err(_) => status = 1,
        }
    }
    status
}

fn seq(sys: &Sys, args: &[&str]) -> i32 {
    let nums: Vec<i64> = args.iter().filter_map(|a| a.parse().ok()).collect();
    let (first, step, last) = match nums.as_slice() {
        [l] => (1, 1, *l),
        [f, l] => (*f, 1, *l),
        [f, s, l] => (*f, *s, *l),
        _ => return 1,
    };
    if step == 0 {
        return 1;
    }
    let mut text = String::new();
    let mut i = first;
    let mut n = 0;
    while (step > 0 && i <= last) || (step < 0 && i >= last) {
        text.push_str(&format!("{i}\n"));
        n += 1;
        // The end of i64 ends the sequence too (`seq 9223372036854775806 9223372036854775807`).
        match i.checked_add(step) {
            Some(next) if n <= 100_000 => i = next,
            _ => break,
        }
    }
    out(sys, &text);
    0
}

async fn tee(sys: &Sys, args: &[&str]) -> i32 {
    let (flags, files) = split_flags(args);
    let append = flags.contains('a');
    let mut first = true;
    loop {
        let chunk = sys.read_fd(0).await;
        if chunk.is_empty() {
            return 0;
        }
        let _ = sys.write_fd(1, &chunk);
        for f in &files {
            let _ = sys.write_file(f, &chunk, append || !first);
        }
        first = false;
    }
}

async fn filter(sys: &Sys, name: &str, args: &[&str]) -> i32 {
    let (flags, rest) = split_flags(args);
    if name == "tr" {
        return tr(sys, &flags, &rest).await;
    }
    let files: Vec<&str> = if name == "cut" { Vec::new() } else { rest.clone() };
    let (data, status) = inputs(sys, name, &files).await;
    let text = String::from_utf8_lossy(&data).into_owned();
    let result: String = match name {
        "sort" => {
            let mut lines: Vec<&str> = text.lines().collect();
            if flags.contains('n') {
                lines.sort_by_key(|l| l.trim().parse::<i64>().unwrap_or(0));
            } else {
                lines.sort_unstable();
            }
            if flags.contains('r') {
                lines.reverse();
            }
            lines.iter().map(|l| format!("{l}\n")).collect()
        }
        "uniq" => {
            let mut out_lines: Vec<&str> = Vec::new();
            for l in text.lines() {
                if out_lines.last() != Some(&l) {
                    out_lines.push(l);
                }
            }
            out_lines.iter().map(|l| format!("{l}\n")).collect()
        }
        _ => {
            // cut -d X -f N
            let delim = args
                .iter()
                .position(|a| *a == "-d")
                .and_then(|i| args.get(i + 1))
                .and_then(|d| d.chars().next())
                .unwrap_or('\t');
            let field: usize = args
                .iter()
                .position(|a| *a == "-f")
                .and_then(|i| args.get(i + 1))
                .and_then(|f| f.parse().ok())
                .unwrap_or(1);
            text.lines().map(|l| format!("{}\n", l.split(delim).nth(field.saturating_sub(1)).unwrap_or(""))).collect()
        }
    };
    out(sys, &result);
    status
}

/// `tr [-d] SET1 [SET2]`: standard input to standard output, a chunk at a
/// time (it holds nothing, so it runs as long as its input does).
async fn tr(sys: &Sys, flags: &str, sets: &[&str]) -> i32 {
    let from: Vec<char> = sets.first().map(|s| tr_set(s)).unwrap_or_default();
    let to: Vec<char> = sets.get(1).map(|s| tr_set(s)).unwrap_or_default();
    let delete = flags.contains('d');
    loop {
        let chunk = sys.read_fd(0).await;
        if chunk.is_empty() {
            return 0;
        }
        // Byte by byte, as busybox's tr (sets past ASCII match nothing).
        let result: Vec<u8> = chunk
            .iter()
            .filter_map(|&b| match from.iter().position(|f| u32::from(*f) == u32::from(b)) {
                Some(_) if delete => None,
                Some(i) => Some(to.get(i).or(to.last()).and_then(|c| u8::try_from(u32::from(*c)).ok()).unwrap_or(b)),
                None => Some(b),
            })
            .collect();
        if sys.write_fd(1, &result).is_err() {
            return 0;
        }
        sys.tick().await;
    }
}

/// A `tr` set as busybox expands it: backslash escapes (`\n`, `\t`,
/// `\\`, octal `\NNN`), ranges (`a-z`) and the `[:class:]` names.
fn tr_set(spec: &str) -> Vec<char> {
    let mut chars: Vec<char> = Vec::new();
    let src: Vec<char> = spec.chars().collect();
    let mut i = 0;
    while i < src.len() {
        let rest: String = src[i..].iter().collect();
        if let Some(class) = rest.strip_prefix("[:").and_then(|r| r.split_once(":]")).map(|(c, _)| c.to_string()) {
            let members: fn(&char) -> bool = match class.as_str() {
                "alpha" => |c| c.is_ascii_alphabetic(),
                "digit" => |c| c.is_ascii_digit(),
                "alnum" => |c| c.is_ascii_alphanumeric(),
                "upper" => |c| c.is_ascii_uppercase(),
                "lower" => |c| c.is_ascii_lowercase(),
                "space" => |c| c.is_ascii_whitespace(),
                "punct" => |c| c.is_ascii_punctuation(),
                _ => |_| false,
            };
            chars.extend((0u8..128).map(char::from).filter(members));
            i += class.chars().count() + 4;
            continue;
        }
        let (c, used) = match (src[i], src.get(i + 1)) {
            ('\\', Some(d)) if d.is_digit(8) => {
                let digits: String = src[i + 1..].iter().take(3).take_while(|c| c.is_digit(8)).collect();
                (char::from(u8::from_str_radix(&digits, 8).unwrap_or(0)), 1 + digits.len())
            }
            ('\\', Some(e)) => (
                match e {
                    'n' => '\n',
                    't' => '\t',
                    'r' => '\r',
                    'a' => '\x07',
                    'b' => '\x08',
                    'f' => '\x0c',
                    'v' => '\x0b',
                    other => *other,
                },
                2,
            ),
            (c, _) => (c, 1),
        };
        i += used;
        // `a-z`: a range, when a character follows the dash.
        if src.get(i) == Some(&'-') && i + 1 < src.len() {
            let end = src[i + 1];
            chars.extend((c..=end).take(256));
            i += 2;
        } else {
            chars.push(c);
        }
    }
    chars
}

fn nslookup(sys: &Sys, args: &[&str]) -> i32 {
    let Some(name) = args.iter().find(|a| !a.starts_with('-')) else {
        err(sys, "Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n");
        return 1;
    };
    let server = "10.96.0.10";
    out(sys, &format!("Server:\t\t{server}\nAddress:\t{server}:53\n\n"));
    match sys.resolve_name(name) {
        Some(ip) => {
            out(sys, &format!("Name:\t{name}\nAddress: {ip}\n\n"));
            0
        }
        None => {
            out(sys, &format!("** server can't find {name}: NXDOMAIN\n\n"));
            1
        }
    }
}

fn ip(sys: &Sys, name: &str, args: &[&str]) -> i32 {
    let interfaces = sys.interfaces();
    if name == "ip" && !matches!(args.first(), Some(&"a" | &"addr" | &"address")) {
        err(sys, "BusyBox ip: use `ip addr`\n");
        return 1;
    }
    let mut text = String::new();
    for (i, iface) in interfaces.iter().enumerate() {
        if name == "ifconfig" {
            let link = if iface.name == "lo" {
                "Local Loopback".to_string()
            } else {
                format!("Ethernet  HWaddr {}", iface.mac.to_ascii_uppercase())
            };
            text.push_str(&format!("{:<10}Link encap:{link}\n          inet addr:{}\n\n", iface.name, iface.ip));
        } else {
            let (kind, prefix) = if iface.name == "lo" { ("loopback", 8) } else { ("ether", 24) };
            let mtu = if iface.name == "lo" { 65536 } else { 1500 };
            text.push_str(&format!(
                "{}: {}: <{}UP,LOWER_UP> mtu {mtu} qdisc noqueue\n    link/{kind} {}\n    inet {}/{prefix} scope {}\n",
                i + 1,
                iface.name,
                if iface.name == "lo" { "LOOPBACK," } else { "BROADCAST,MULTICAST," },
                iface.mac,
                iface.ip,
                if iface.name == "lo" { "host lo" } else { "global eth0" }
            ));
        }
    }
    out(sys, &text);
    0
}

fn netstat(sys: &Sys) -> i32 {
    let mut text = String::from(
        "Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State\n",
    );
    for (port, _) in sys.listening_ports() {
        text.push_str(&format!(
            "tcp        0      0 {:<23} 0.0.0.0:*               LISTEN\n",
            format!("0.0.0.0:{port}")
        ));
    }
    out(sys, &text);
    0
}
