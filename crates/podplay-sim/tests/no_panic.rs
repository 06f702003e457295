//! No input panics the simulator, and every run is bounded.
//!
//! podplay-sim runs in the browser, where a panic kills the page: whatever a
//! learner writes in a Pod's `sh -c` script, or types after `kubectl exec`,
//! must end in output and exit codes, never in a crash or a hang. These tests
//! run Pods whose container script comes from a grammar of realistic shell
//! pieces (and from plain random text) through a whole life: start, 30
//! virtual seconds, an exec, logs, deletion, until stable.

use k8s_openapi::api::core::v1::Pod;
use podplay_core::time::{MonoDuration, MonoTime};
use podplay_core::trace::MAX_STEPS;
use podplay_sim::kernel::limits;
use podplay_sim::{Simulation, Until};
use proptest::prelude::*;

// ---------------------------------------------------------------- Pods

/// Pod shapes the script runs in; `SCRIPT` is the container `c`'s script.
const TEMPLATES: &[&str] = &[
    // A lone busybox container (restartPolicy Always).
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
        "containers":[{"name":"c","image":"busybox:1.36","command":["sh","-c"]}]}}"#,
    // Next to nginx, sharing an emptyDir.
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"restartPolicy":"OnFailure",
        "volumes":[{"name":"shared","emptyDir":{}}],
        "containers":[
          {"name":"web","image":"nginx:1.27","volumeMounts":[{"name":"shared","mountPath":"/usr/share/nginx/html"}]},
          {"name":"c","image":"busybox","command":["sh","-c"],
           "volumeMounts":[{"name":"shared","mountPath":"/data"}]}]}}"#,
    // A shared PID namespace, a hostPath volume, a short grace period.
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"restartPolicy":"Never",
        "shareProcessNamespace":true,"terminationGracePeriodSeconds":2,
        "volumes":[{"name":"host","hostPath":{"path":"/data","type":"DirectoryOrCreate"}}],
        "containers":[{"name":"c","image":"debian:12","command":["/bin/sh","-c"],
          "volumeMounts":[{"name":"host","mountPath":"/data"}]}]}}"#,
    // The script as an init container, then as the main one.
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{
        "initContainers":[{"name":"init","image":"alpine","command":["sh","-c"]}],
        "containers":[{"name":"c","image":"alpine:3.21","command":["sh","-c"]}]}}"#,
    // Hooks and probes that run the script too.
    r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"terminationGracePeriodSeconds":5,
        "containers":[{"name":"c","image":"busybox","command":["sh","-c"],
          "lifecycle":{"postStart":{"exec":{"command":["sh","-c"]}},"preStop":{"exec":{"command":["sh","-c"]}}},
          "livenessProbe":{"exec":{"command":["sh","-c"]},"periodSeconds":1,"failureThreshold":2},
          "readinessProbe":{"httpGet":{"port":80,"path":"/"},"periodSeconds":2}}]}}"#,
];

/// A Pod of template `index` whose `sh -c` commands run `script`.
fn pod(index: usize, script: &str) -> Pod {
    let analysis = podplay_core::analyze(TEMPLATES[index % TEMPLATES.len()]);
    assert!(analysis.is_valid(), "{:?}", analysis.diagnostics);
    let mut pod = analysis.valid_pods().next().expect("a Pod").clone();
    let spec = pod.spec.as_mut().expect("a spec");
    let with_script = |command: &mut Option<Vec<String>>| {
        if let Some(c) = command.as_mut().filter(|c| c.len() == 2) {
            c.push(script.to_string());
        }
    };
    for c in spec.containers.iter_mut().chain(spec.init_containers.iter_mut().flatten()) {
        with_script(&mut c.command);
        if let Some(lifecycle) = c.lifecycle.as_mut() {
            for handler in [lifecycle.post_start.as_mut(), lifecycle.pre_stop.as_mut()].into_iter().flatten() {
                if let Some(exec) = handler.exec.as_mut() {
                    with_script(&mut exec.command);
                }
            }
        }
        if let Some(exec) = c.liveness_probe.as_mut().and_then(|p| p.exec.as_mut()) {
            with_script(&mut exec.command);
        }
    }
    pod
}

fn at(seconds: u64) -> Until {
    Until::Time(MonoTime::ZERO + MonoDuration::from_secs(seconds))
}

/// A Pod's whole life, as the playground drives it; panics only if a bound
/// is broken (or the simulator itself panics).
fn life(template: usize, script: &str, exec: &[String]) {
    // A stack overflow aborts the test binary before proptest can report
    // the input: `NO_PANIC_TRACE=1 cargo test … -- --nocapture` shows it.
    if std::env::var_os("NO_PANIC_TRACE").is_some() {
        eprintln!("life {template} {script:?} {exec:?}");
    }
    let pod = pod(template, script);
    let mut sim = Simulation::new(&pod, podplay_core::cluster::default_nodes());
    sim.run_until(at(30));
    let _ = sim.exec("c", exec.to_vec());
    for name in ["c", "web", "init"] {
        for previous in [false, true] {
            if let Ok(log) = sim.logs(name, previous) {
                assert!(log.len() <= 2 * limits::LOG_BYTES, "log of {name}: {} bytes", log.len());
            }
        }
    }
    let _ = sim.pod();
    let _ = sim.get_wide();
    let _ = sim.describe();
    let _ = sim.status_column();
    sim.delete(None);
    sim.run_until(Until::Stable);
    let _ = sim.exec("c", vec!["true".into()]);
    assert!(sim.trace().steps().len() <= MAX_STEPS, "{} steps", sim.trace().steps().len());
    // Runs stop at the horizon; an exec takes at most 2 minutes more.
    let end = MonoTime::ZERO + podplay_sim::sim::HORIZON + MonoDuration::from_secs(120);
    assert!(sim.now() <= end, "ran until {}", sim.now());
    if let Some(kernel) = sim.kernel() {
        let usage = kernel.usage();
        assert!(usage.processes <= limits::PROCESSES, "{} processes", usage.processes);
        assert!(usage.zombies <= limits::ZOMBIES, "{} zombies", usage.zombies);
        assert!(usage.disk_bytes <= limits::DISK_BYTES, "{} bytes on disk", usage.disk_bytes);
    }
}

// ---------------------------------------------------------------- grammar

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> + Clone {
    proptest::sample::select(items).prop_map(str::to_string)
}

fn word() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        one_of(&[
            "hello",
            "x",
            "\"a b\"",
            "'$x'",
            "$x",
            "$i",
            "$?",
            "$$",
            "$!",
            "$#",
            "$@",
            "\"$@\"",
            "$0",
            "$1",
            "$9",
            "${x:-d}",
            "${x:=v}",
            "${x:+alt}",
            "${x?unset}",
            "${#x}",
            "${x#*/}",
            "${x##*.}",
            "${x%.*}",
            "${x%%/*}",
            "${x:2}",
            "${x:-3:2}",
            "${x: -1}",
            "${x:1:-1}",
            "${x/a/b}",
            "${x//a}",
            "é",
            "日本語",
            "*",
            "/proc/*",
            "/tmp/*",
            "~",
            "''",
            "\"\"",
            "\\$",
            "a\\\nb",
            "$HOME",
            "$PATH",
            "$HOSTNAME",
            "-n",
            "-e",
            "--",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
            "2147483648",
        ]),
        "[a-z]{1,6}",
        "[0-9]{1,3}",
    ]
}

fn file() -> impl Strategy<Value = String> + Clone {
    one_of(&[
        "/tmp/f",
        "/tmp/g",
        "/data/f",
        "/data/index.html",
        "f",
        "../f",
        "/proc/1/cmdline",
        "/proc/self/comm",
        "/proc/self/status",
        "/proc/1/ns/net",
        "/proc/99999/cmdline",
        "/proc/self/fd/1",
        "/proc/1/fd/1",
        "/etc/hosts",
        "/etc/hostname",
        "/etc/resolv.conf",
        "/dev/null",
        "/dev/stdout",
        "/dev/stderr",
        "/dev/termination-log",
        "/nonexistent/x",
        "/",
        "/tmp",
        "/bin/sh",
        "/usr/share/nginx/html/index.html",
        "\"$x\"",
        "/tmp/é日",
    ])
}

fn arith() -> impl Strategy<Value = String> + Clone {
    let leaf = prop_oneof![
        one_of(&[
            "0",
            "1",
            "-1",
            "7",
            "i",
            "x",
            "$x",
            "9223372036854775807",
            "-9223372036854775808",
            "99999999999999999999",
            "0x7fffffffffffffff",
            "077",
            "09",
            "i++",
            "--i",
            "i+=3",
            "i<<=63",
            "x/=0",
            "x%=0",
            "$(echo 5)",
            "${#x}",
            "abc",
        ]),
        "[0-9]{1,4}",
    ];
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                one_of(&["+", "-", "*", "/", "%", "**", "<<", ">>", "&", "|", "^", "&&", "||", "<", "==", ","]),
                inner.clone()
            )
                .prop_map(|(a, op, b)| format!("{a} {op} {b}")),
            inner.clone().prop_map(|a| format!("({a})")),
            inner.clone().prop_map(|a| format!("-{a}")),
            inner.clone().prop_map(|a| format!("!{a}")),
            inner.clone().prop_map(|a| format!("~{a}")),
            (inner.clone(), inner.clone(), inner).prop_map(|(a, b, c)| format!("{a} ? {b} : {c}")),
        ]
    })
}

fn number() -> impl Strategy<Value = String> + Clone {
    one_of(&[
        "0",
        "1",
        "3",
        "-1",
        "100",
        "100000",
        "99999999999",
        "9223372036854775806",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999999999999",
        "abc",
        "",
        "1e9",
        "0.5",
        "infinity",
        "inf",
        "nan",
    ])
}

fn pid() -> impl Strategy<Value = String> + Clone {
    one_of(&["1", "$$", "$!", "0", "-1", "2", "7", "99999", "2147483647", "4294967295", "-2147483648", "%1", "x"])
}

fn signal() -> impl Strategy<Value = String> + Clone {
    one_of(&[
        "-TERM",
        "-9",
        "-KILL",
        "-INT",
        "-HUP",
        "-USR1",
        "-0",
        "-15",
        "-SIGTERM",
        "-s TERM",
        "-99",
        "-64",
        "-2147483647",
        "-2147483648",
        "--5",
        "-l",
        "",
    ])
}

/// Builtins and applets, alone or with a few arguments.
const COMMANDS: &[&str] = &[
    "ps",
    "ps aux",
    "pwd",
    "id",
    "whoami",
    "hostname",
    "uname -a",
    "env",
    "printenv",
    "printenv HOME",
    "date",
    "date +%s",
    "date +%Q%",
    "date '+%Y-%m-%d %H:%M:%S %Z %z %:z'",
    "ip addr",
    "ifconfig",
    "netstat -tlnp",
    "nslookup kubernetes.default",
    "nslookup nowhere.invalid",
    "true",
    "false",
    ":",
    "set",
    "set -e",
    "set +e",
    "set -- a b c",
    "shift",
    "shift 5",
    "trap",
    "export x",
    "export y=1",
    "unset x",
    "unset f",
    "local z=1",
    "readonly r=1",
    "type ls",
    "command -v sh",
    "umask 022",
    "ulimit -n",
    "alias",
    "kill -l",
    "wait",
    "exit",
    "exit 3",
    "exit 256",
    "exit -1",
    "exit 99999999999",
    "return",
    "return 7",
    "break",
    "continue 2",
    "break 99999999999",
    "let x=5",
    "let 'x/0'",
    "busybox",
    "busybox echo hi",
    "nosuchcommand",
    "/bin/nosuch",
    "./x",
    "sort",
    "uniq",
    "tr a b",
    "cut -d: -f1",
    "tee /tmp/t",
    "yes | head -n 3",
    "yes | head -1",
    "seq 3",
    "seq 5 -1 1",
    "basename /a/b/",
    "dirname a",
    "chmod +x /tmp/f",
    "env -i sh -c 'echo $PATH'",
    "sh -c 'exit 5'",
    "sh -c",
    "sh -e -c false",
    "sh",
    "bash -c 'echo b'",
    "nginx -s quit",
    "nginx -s reload",
    "nginx -t",
    "readlink /proc/self/ns/pid",
    "cat /proc/*/cmdline",
    "ls /proc",
    "ls /proc/self",
    "ls /proc/1/ns",
    "rmdir /tmp",
    "wc",
    "grep",
    "head",
    "tail",
    "eval",
    "eval 'echo $((1+1))'",
    "eval eval eval echo deep",
    ".",
    "exec",
    "exec 3>&1",
    "exec >/tmp/log",
    "exec 2>&-",
    "exec sleep 2",
    "exec nosuch",
    "exec echo replaced",
    "read",
    "trap - EXIT",
];

/// Huge numbers, outputs and recursions.
const EXTREMES: &[&str] = &[
    "yes > /tmp/y",
    "yes | head -n 100000 | wc -l",
    "seq 1 99999999999",
    "seq 1 99999999999 > /tmp/s",
    "x=$(seq 1 100000); echo ${#x}",
    "x=$(yes | head -c 100000)",
    "cat /dev/zero",
    "echo $(cat /bin/sh)",
    "printf '%%\\n' a b c",
    "printf x y z",
    "cp -r / /tmp/root",
    "cp -r /tmp /tmp/sub",
    "cp -r /tmp/ /tmp/sub/",
    "mv /tmp /tmp/x",
    "cp -r . sub",
    "rm -rf /",
    "rm -rf /proc",
    "ls -R /",
    "cat /proc/self/cmdline /proc/1/cmdline",
    "x=$(printf '%0999999d' 1)",
    "sleep 9999999999999999",
    "sleep infinity infinity infinity infinity infinity",
    "sleep 1e308",
    "sleep 1d 1h 1m 1s",
    "kill -9 -1",
    "kill 0",
    "kill -STOP 1",
    "echo $(( 9223372036854775807 + 1 ))",
    "echo $(( -9223372036854775808 / -1 ))",
    "echo $(( -9223372036854775808 % -1 ))",
    "echo $(( 2 ** 63 ))",
    "echo $(( 2 ** -1 ))",
    "echo $(( 1 << 64 ))",
    "echo $(( 1 / 0 ))",
    "echo $(( 1 % 0 ))",
    "echo $((x=9223372036854775807, x*=2))",
    "echo ${x:99999999999999999999}",
    "echo ${x:0:99999999999999999999}",
    "echo ${99999999999}",
    "echo $99999999999",
    "set -- $(seq 1 1000); shift 999; echo $1",
    "x=$(printf '%s' é); echo ${x:0:1} ${x#?} ${x%?}",
    "head -c 1 /etc/hosts",
    "echo ééé | cut -c 1",
    "x=$(yes é | head -n 2000); echo ${x%%é*}",
    "echo ${x:-$(echo ${x:-$(echo deep)})}",
];

const ECHOES: &[&str] = &["echo", "echo -n", "echo -e", "printf '%s\\n'", "printf"];

const TRAP_ACTIONS: &[&str] =
    &["'echo caught'", "'exit 3'", "''", "-", "'kill -9 $$'", "'trap \"\" TERM'", "'sleep 1'"];

const TRAP_SIGNALS: &[&str] =
    &["TERM", "INT", "EXIT", "HUP", "QUIT", "USR1", "KILL", "0", "15", "99", "BOGUS", "SIGTERM", "2147483647"];

const HTTP_CLIENTS: &[&str] =
    &["wget -qO-", "wget -q -O /tmp/w", "wget --spider", "wget", "curl -s", "curl -sf -o /tmp/c", "wget -T 1 -qO-"];

/// Servers in the Pod, outside it, and nowhere.
const URLS: &[&str] = &[
    "http://localhost/",
    "http://127.0.0.1:80/index.html",
    "http://localhost:8080/",
    "localhost:99999",
    "http://localhost:0/",
    "http://nosuchhost/",
    "http://example.com/",
    "http://info.cern.ch",
    "http://elasticsearch.logging.svc:9200/_count",
    "http://10.96.200.10:9200/x",
    "http://[::1]/",
    "http://:80/",
    "http://é/",
    "http://localhost:/",
    "",
    "http://localhost/日本",
];

const PRINTF_FORMATS: &[&str] =
    &["%s", "%d", "%%", "%5s", "%-3d", "%x", "%c", "%b", "\\n", "%", "%s%s", "%q", "%.3f", "a"];

/// One simple command.
fn simple_command() -> impl Strategy<Value = String> + Clone {
    prop_oneof![
        4 => (one_of(ECHOES), proptest::collection::vec(word(), 0..4))
            .prop_map(|(c, w)| format!("{c} {}", w.join(" "))),
        2 => (word(), file()).prop_map(|(w, f)| format!("echo {w} > {f}")),
        2 => (word(), file()).prop_map(|(w, f)| format!("echo {w} >> {f}")),
        2 => file().prop_map(|f| format!("cat {f}")),
        1 => file().prop_map(|f| format!("cat < {f}")),
        1 => (file(), file()).prop_map(|(a, b)| format!("cat {a} > {b} 2>&1")),
        1 => file().prop_map(|f| format!("read x < {f}")),
        1 => Just("read x y".to_string()),
        1 => file().prop_map(|f| format!("tail -n 3 {f}")),
        1 => file().prop_map(|f| format!("tail -f {f}")),
        1 => file().prop_map(|f| format!("head -c 5 {f}")),
        1 => file().prop_map(|f| format!("wc -l {f}")),
        1 => file().prop_map(|f| format!("grep -c a {f}")),
        1 => file().prop_map(|f| format!(". {f}")),
        1 => file().prop_map(|f| format!("sh {f}")),
        1 => file().prop_map(|f| format!("ls -la {f}")),
        1 => file().prop_map(|f| format!("cd {f}")),
        1 => (file(), file()).prop_map(|(a, b)| format!("cp -r {a} {b}")),
        1 => (file(), file()).prop_map(|(a, b)| format!("mv {a} {b}")),
        1 => file().prop_map(|f| format!("rm -rf {f}")),
        1 => file().prop_map(|f| format!("mkdir -p {f}/a/b")),
        1 => file().prop_map(|f| format!("touch {f}")),
        1 => file().prop_map(|f| format!("test -f {f}")),
        1 => (word(), one_of(&["-eq", "-lt", "=", "!=", "-gt", "-o", "-a"]), word())
            .prop_map(|(a, op, b)| format!("[ {a} {op} {b} ]")),
        1 => Just("[ ! ! ! -n x -o -z y -a ! x ]".to_string()),
        2 => one_of(COMMANDS),
        1 => (one_of(&["sleep", "sleep 0 ", "sleep 1 "]), number()).prop_map(|(s, n)| format!("{s} {n}")),
        1 => (signal(), pid()).prop_map(|(s, p)| format!("kill {s} {p}")),
        1 => (one_of(TRAP_ACTIONS), one_of(TRAP_SIGNALS)).prop_map(|(a, s)| format!("trap {a} {s}")),
        1 => (one_of(HTTP_CLIENTS), one_of(URLS)).prop_map(|(c, u)| format!("{c} {u}")),
        1 => (one_of(&["net", "pid", "ipc", "uts", "mnt", "user", "cgroup", ""]), pid())
            .prop_map(|(k, p)| format!("readlink /proc/{p}/ns/{k}")),
        2 => arith().prop_map(|e| format!("echo $(({e}))")),
        1 => arith().prop_map(|e| format!("x=$(({e}))")),
        1 => arith().prop_map(|e| format!("let '{e}'")),
        1 => (number(), number()).prop_map(|(a, b)| format!("seq {a} {b}")),
        1 => (number(), number(), number()).prop_map(|(a, b, c)| format!("seq {a} {b} {c}")),
        1 => (number(), file()).prop_map(|(n, f)| format!("head -n {n} {f}")),
        1 => (number(), file()).prop_map(|(n, f)| format!("tail -n +{n} {f}")),
        1 => (word(), word()).prop_map(|(a, b)| format!("x={a} y={b}")),
        1 => (word(), word()).prop_map(|(a, b)| format!("x={a} sh -c 'echo $x {b}'")),
        1 => (one_of(PRINTF_FORMATS), proptest::collection::vec(word(), 0..3))
            .prop_map(|(f, w)| format!("printf '{f}' {}", w.join(" "))),
        1 => one_of(EXTREMES),
        1 => "[a-z0-9 ;|&<>(){}$`'\"\\\\\n#*?=%./!~-]{0,40}",
    ]
}

/// Scripts: commands joined and nested.
fn script() -> impl Strategy<Value = String> {
    simple_command().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            4 => proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| v.join("; ")),
            1 => proptest::collection::vec(inner.clone(), 1..4).prop_map(|v| v.join("\n")),
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} && {b}")),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} || {b}")),
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("{a} | {b}")),
            2 => inner.clone().prop_map(|a| format!("{a} &")),
            1 => inner.clone().prop_map(|a| format!("{{ {a}; }} &")),
            1 => inner.clone().prop_map(|a| format!("! {a}")),
            1 => inner.clone().prop_map(|a| format!("{{ {a}; }}")),
            1 => inner.clone().prop_map(|a| format!("( {a} )")),
            2 => inner.clone().prop_map(|a| format!("echo \"$({a})\"")),
            1 => inner.clone().prop_map(|a| format!("x=`{a}`")),
            1 => (inner.clone(), file()).prop_map(|(a, f)| format!("{{ {a}; }} > {f} 2>&1")),
            1 => (inner.clone(), file()).prop_map(|(a, f)| format!("{{ {a}; }} < {f}")),
            2 => (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("if {a}; then {b}; else {c}; fi")),
            // Loops that never sleep run at full CPU, which is slow to
            // simulate: `busy_loops_stay_bounded` has those.
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("while {a}; do {b}; break; done")),
            2 => inner.clone().prop_map(|a| format!("while true; do {a}; sleep 1; done")),
            1 => inner.clone().prop_map(|a| format!("i=0; while [ $i -lt 5 ]; do {a}; i=$((i+1)); done")),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("until {a}; do {b}; sleep 2; done")),
            2 => (one_of(&["1 2 3", "$(seq 1 20)", "*", "/proc/*", "$@", "\"$@\"", "", "$x"]), inner.clone())
                .prop_map(|(w, a)| format!("for i in {w}; do {a}; done")),
            1 => (word(), inner.clone(), inner.clone())
                .prop_map(|(w, a, b)| format!("case {w} in a*|b) {a};; *) {b};; esac")),
            2 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("f() {{ {a}; }}; f; {b}; f x y")),
            1 => inner.clone().prop_map(|a| format!("f() {{ {a}; f; }}; f")),
            1 => inner.clone().prop_map(|a| format!("g() {{ {a}; g | g & }}; g")),
            1 => inner.clone().prop_map(|a| format!("eval '{}'", a.replace('\'', ""))),
            1 => inner.clone().prop_map(|a| format!("sh -c '{}' &", a.replace('\'', ""))),
            1 => (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("trap '{}' TERM; {b}", a.replace('\'', ""))),
            1 => inner.clone().prop_map(|a| format!("{a} & {a} & wait")),
            1 => inner.clone().prop_map(|a| format!("{a} & sleep 1; kill $!; wait $!")),
        ]
    })
}

/// What `kubectl exec` runs.
fn exec_command() -> impl Strategy<Value = Vec<String>> {
    prop_oneof![
        3 => script().prop_map(|s| vec!["sh".to_string(), "-c".to_string(), s]),
        1 => proptest::collection::vec(
            prop_oneof![
                one_of(&["ps", "cat", "kill", "-9", "1", "sh", "-c", "ls", "/proc", "readlink", "/proc/1/ns/net",
                         "wget", "-qO-", "http://localhost/", "sleep", "3", "nginx", "-s", "quit", "exit", "", "é"]),
                ".{0,12}",
            ],
            0..5,
        ),
    ]
}

// ---------------------------------------------------------------- tests

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn generated_scripts_never_panic_and_stay_bounded(
        template in 0..TEMPLATES.len(),
        script in script(),
        exec in exec_command(),
    ) {
        life(template, &script, &exec);
    }

    #[test]
    fn random_text_scripts_never_panic(
        template in 0..TEMPLATES.len(),
        script in prop_oneof![".{0,200}", "[ -~\n]{0,200}", "[$(){}|&;<>`'\"\\\\ a-z0-9\n]{0,120}"],
        exec in proptest::collection::vec(".{0,20}", 0..4),
    ) {
        life(template, &script, &exec);
    }
}

/// Inputs that once panicked or never ended, each found by the properties
/// above or by reading the code.
#[test]
fn known_bad_inputs() {
    let sh = |s: &str| vec!["sh".to_string(), "-c".to_string(), s.to_string()];
    for (script, exec) in [
        ("printf '%%' a b; echo done", sh("printf '%%\\n' x")),
        ("seq 9223372036854775806 9223372036854775807", sh("seq 1 9223372036854775807 9223372036854775807")),
        ("sleep 1000 & kill -2147483647 $!; wait", sh("sleep 5 & kill -2147483647 $!; wait $!; echo $?")),
        ("x=é; while [ ${#x} -lt 3000 ]; do x=$x$x; done; echo $x; exit 1", sh("true")),
        ("yes é | head -n 5000; exit 3", sh("true")),
        ("cp -r /tmp /tmp/sub; ls -R /tmp | head", sh("cp -r / /tmp/root")),
        ("[ $(yes ! | head -n 100000) ]", sh("test $(yes '! -o' | head -n 50000) x")),
        ("x=$(yes | head -c 100000); echo ${x%%n*} ${x#*n}", sh("x=$(seq 1 100000); echo ${x%%9*}")),
        ("f() { f; }; f", sh("f() { echo $(f); }; f")),
        ("g() { g | g & }; g", sh("g() { g | g & }; g")),
        ("x=$(yes | head -n 1)", sh("read x < /dev/zero")),
        ("echo 'exec sh /tmp/s' > /tmp/s; exec sh /tmp/s", sh("echo 'exec sh /tmp/t' > /tmp/t; exec sh /tmp/t")),
        ("x=a; while true; do x=$x$x; done", sh("x=$(yes &); echo ${#x}")),
        ("yes > /tmp/y; ls -l /tmp; cp /tmp/y /tmp/z", sh("mv /tmp /tmp/x; mv /tmp/y /tmp/y; ls /tmp")),
        ("g() { if true; then { { ( g ); }; }; fi; }; g", sh("h() { echo \"$(echo \"$(h)\")\"; }; h")),
        (
            "e() { eval e; }; e",
            sh("x=é; while [ ${#x} -lt 3000 ]; do x=$x$x; done; echo ${x%%é*} ${x##*é} ${x//é/ab} ${x:1:2}"),
        ),
        ("sleep infinity infinity infinity infinity infinity", sh("sleep 1e308 9e307")),
        (
            "echo $(( -9223372036854775808 / -1 )) $(( 2 ** 63 )) $(( 1 << 99 ))",
            sh("echo $((-9223372036854775808 % -1))"),
        ),
        ("date +%Q; date '+%Z'; date +; date +%2147483647Y; date '+%-_0^#99999d'", sh("date +%")),
        ("trap 'echo usr1' USR1; for i in $(seq 1 500); do kill -USR1 $$; done", sh("kill -USR1 1; kill -USR1 1")),
        (
            "echo \"$(echo 311 > /proc/1/fd/1 && mkdir -p f/a/b)\"",
            sh("echo x > /dev/./stdout; cat /etc/hosts 2>/dev/stderr"),
        ),
        ("echo é > /tmp/f; cat /tmp/f /bin/sh > /tmp/g; head -c 3 /tmp/g | grep é", sh("printf '\\377\\n' > /tmp/b")),
    ] {
        life(0, script, &exec);
        life(4, script, &exec);
    }
}

/// Processes that never sleep use their CPU budget and wait for the next
/// tick: a few virtual seconds of them end, and the Pod can be deleted.
#[test]
fn busy_loops_stay_bounded() {
    for script in [
        "while true; do :; done",
        "x=$(yes)",
        "yes | tee /tmp/t > /dev/null",
        "for i in 1 2 3 4 5 6 7 8; do while true; do :; done & done; wait",
        "while true; do sh -c 'while true; do :; done' & done",
        "i=0; while true; do echo $i > /tmp/f$i; i=$((i+1)); done",
    ] {
        let pod = pod(0, script);
        let mut sim = Simulation::new(&pod, podplay_core::cluster::default_nodes());
        sim.run_until(at(2));
        let (code, _) =
            sim.exec("c", vec!["sh".into(), "-c".into(), "ps | wc -l".into()]).unwrap_or((-1, String::new()));
        assert_eq!(code, 0, "{script}: exec still works");
        sim.delete(Some(MonoDuration::from_secs(1)));
        sim.run_until(Until::Stable);
        assert!(sim.is_finished(), "{script}");
        assert!(sim.trace().steps().len() <= MAX_STEPS);
    }
}
