//! `podplay kubectl`: kubectl's commands for the Pods `podplay exec` runs,
//! from another terminal, through each runner's socket.

#[cfg(not(target_os = "linux"))]
pub fn run(_command: &crate::args::KubectlCommand) -> u8 {
    eprintln!("error: podplay kubectl talks to `podplay exec`, which needs Linux");
    2
}

#[cfg(target_os = "linux")]
pub use linux::run;

#[cfg(target_os = "linux")]
mod linux {
    use std::path::{Path, PathBuf};

    use podplay_linux::api::{self, Request, Response, Row};
    use serde::Serialize;

    use crate::args::KubectlCommand;

    pub fn run(command: &KubectlCommand) -> u8 {
        let result = match command {
            KubectlCommand::Get { resource, name, output, root } => {
                check_resource(resource).and_then(|()| get(&root.root, name.as_deref(), output.as_deref()))
            }
            KubectlCommand::Describe { resource, name, root } => {
                check_resource(resource).and_then(|()| text(ask(&root.root, name, &Request::Describe)?))
            }
            KubectlCommand::Logs { name, container, previous, follow, root } => {
                logs(&root.root, name, container.as_deref(), *previous, *follow)
            }
            KubectlCommand::Exec { name, container, stdin, tty, command, root } => {
                if *stdin || *tty {
                    exec_attached(&root.root, name, container.as_deref(), command, *stdin, *tty)
                } else {
                    exec(&root.root, name, container.as_deref(), command)
                }
            }
            KubectlCommand::Top { resource, name, containers, root } => {
                check_resource(resource).and_then(|()| top(&root.root, name.as_deref(), *containers))
            }
            KubectlCommand::Delete { resource, name, root } => {
                check_resource(resource).and_then(|()| match ask(&root.root, name, &Request::Delete)? {
                    Response::Deleted => {
                        println!("pod \"{name}\" deleted");
                        Ok(0)
                    }
                    other => unexpected(other),
                })
            }
        };
        match result {
            Ok(code) => code,
            Err(failure) => {
                eprintln!("{}", failure.message);
                failure.code
            }
        }
    }

    /// A message for stderr and the exit code, as kubectl gives them.
    struct Failure {
        message: String,
        code: u8,
    }

    impl Failure {
        fn usage(message: &str) -> Failure {
            Failure { message: format!("error: {message}"), code: 1 }
        }
        fn not_found(name: &str) -> Failure {
            Failure { message: format!("Error from server (NotFound): pods \"{name}\" not found"), code: 1 }
        }
    }

    impl From<String> for Failure {
        fn from(message: String) -> Failure {
            Failure { message: format!("error: {message}"), code: 1 }
        }
    }

    fn check_resource(resource: &str) -> Result<(), Failure> {
        match resource {
            "pod" | "pods" | "po" => Ok(()),
            other => Err(Failure {
                message: format!("error: the server doesn't have a resource type \"{other}\" (podplay runs Pods only)"),
                code: 1,
            }),
        }
    }

    /// The runners' sockets under the state root, by Pod name.
    fn pods(root: &Path) -> Vec<(String, PathBuf)> {
        let Ok(entries) = std::fs::read_dir(root) else { return Vec::new() };
        let mut found: Vec<(String, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let name = e.file_name().to_string_lossy().strip_prefix("default_")?.to_string();
                let socket = e.path().join(api::SOCKET);
                socket.exists().then_some((name, socket))
            })
            .collect();
        found.sort();
        found
    }

    fn ask(root: &Path, name: &str, request: &Request) -> Result<Response, Failure> {
        let socket =
            pods(root).into_iter().find(|(n, _)| n == name).map(|(_, s)| s).ok_or_else(|| Failure::not_found(name))?;
        // A runner that has gone since its socket was found: no such Pod.
        let response = api::call(&socket, request).map_err(|_| Failure::not_found(name))?;
        match response {
            Response::Error(message) => Err(Failure { message: format!("error: {message}"), code: 1 }),
            other => Ok(other),
        }
    }

    fn unexpected(response: Response) -> Result<u8, Failure> {
        Err(Failure::from(format!("unexpected answer from the runner: {response:?}")))
    }

    fn text(response: Response) -> Result<u8, Failure> {
        match response {
            Response::Text(t) => {
                print!("{t}");
                Ok(0)
            }
            other => unexpected(other),
        }
    }

    /// The Pod named, or every Pod with a runner under `root`.
    fn pod_names(root: &Path, name: Option<&str>) -> Vec<String> {
        match name {
            Some(n) => vec![n.to_string()],
            None => pods(root).into_iter().map(|(n, _)| n).collect(),
        }
    }

    fn get(root: &Path, name: Option<&str>, output: Option<&str>) -> Result<u8, Failure> {
        let names = pod_names(root, name);
        match output {
            Some("json") => return get_json(root, name, &names),
            Some("wide") | None => {}
            Some(other) => {
                return Err(Failure::usage(&format!(
                    "unable to match a printer suitable for the output format \"{other}\", allowed formats are: json,wide"
                )));
            }
        }
        let mut rows = Vec::new();
        for n in &names {
            match ask(root, n, &Request::Get) {
                Ok(Response::Row(row)) => rows.push(row),
                Ok(other) => return unexpected(other),
                Err(e) if name.is_some() => return Err(e),
                Err(_) => {}
            }
        }
        if rows.is_empty() {
            eprintln!("No resources found in default namespace.");
            return Ok(0);
        }
        print!("{}", table(&rows, output == Some("wide")));
        Ok(0)
    }

    fn get_json(root: &Path, name: Option<&str>, names: &[String]) -> Result<u8, Failure> {
        let mut items = Vec::new();
        for n in names {
            match ask(root, n, &Request::Pod)? {
                Response::Pod(pod) => items.push(pod),
                other => return unexpected(other),
            }
        }
        let value = match (name, items.pop()) {
            (Some(_), Some(pod)) => pod,
            (_, last) => {
                items.extend(last);
                serde_json::json!({"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}})
            }
        };
        println!("{}", pretty(&value));
        Ok(0)
    }

    /// kubectl's JSON: four spaces.
    fn pretty(value: &serde_json::Value) -> String {
        let mut out = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(b"    ");
        let mut serializer = serde_json::Serializer::with_formatter(&mut out, formatter);
        let _ = value.serialize(&mut serializer);
        String::from_utf8_lossy(&out).into_owned()
    }

    /// `kubectl top pod`: metrics-server's figures (here read from the
    /// cgroups by the runner), CPU in millicores and memory in MiB.
    fn top(root: &Path, name: Option<&str>, per_container: bool) -> Result<u8, Failure> {
        let names = pod_names(root, name);
        let mut lines = vec![if per_container {
            vec!["POD".to_string(), "NAME".into(), "CPU(cores)".into(), "MEMORY(bytes)".into()]
        } else {
            vec!["NAME".to_string(), "CPU(cores)".into(), "MEMORY(bytes)".into()]
        }];
        for n in &names {
            let usage = match ask(root, n, &Request::Top) {
                Ok(Response::Usage(usage)) => usage,
                Ok(other) => return unexpected(other),
                Err(e) if name.is_some() => return Err(e),
                Err(_) => continue,
            };
            if usage.is_empty() {
                if name.is_some() {
                    return Err(Failure::from(format!("Metrics not available for pod default/{n}")));
                }
                continue;
            }
            let cells = |cpu: u64, memory: u64| [format!("{cpu}m"), format!("{}Mi", memory / (1024 * 1024))];
            if per_container {
                for u in &usage {
                    let [cpu, memory] = cells(u.cpu_millicores, u.memory_bytes);
                    lines.push(vec![n.clone(), u.name.clone(), cpu, memory]);
                }
            } else {
                let cpu = usage.iter().map(|u| u.cpu_millicores).sum();
                let [cpu, memory] = cells(cpu, usage.iter().map(|u| u.memory_bytes).sum());
                lines.push(vec![n.clone(), cpu, memory]);
            }
        }
        if lines.len() == 1 {
            return Err(Failure::from("metrics not available yet".to_string()));
        }
        print!("{}", columns(lines));
        Ok(0)
    }

    /// kubectl's table: columns three spaces apart, the last unpadded.
    fn table(rows: &[Row], wide: bool) -> String {
        let mut lines: Vec<Vec<String>> =
            vec![["NAME", "READY", "STATUS", "RESTARTS", "AGE"].map(String::from).to_vec()];
        if wide {
            lines[0].extend(["IP", "NODE", "NOMINATED NODE", "READINESS GATES"].map(String::from));
        }
        for r in rows {
            let mut cells = vec![r.name.clone(), r.ready.clone(), r.status.clone(), r.restarts.clone(), r.age.clone()];
            if wide {
                cells.extend([r.ip.clone(), r.node.clone(), "<none>".into(), "<none>".into()]);
            }
            lines.push(cells);
        }
        columns(lines)
    }

    /// Cells in columns three spaces apart, the last unpadded.
    fn columns(lines: Vec<Vec<String>>) -> String {
        let widths: Vec<usize> =
            (0..lines[0].len()).map(|i| lines.iter().map(|l| l[i].len()).max().unwrap_or(0)).collect();
        let mut out = String::new();
        for line in lines {
            let cells: Vec<String> = line.iter().enumerate().map(|(i, c)| format!("{c:<w$}", w = widths[i])).collect();
            out.push_str(cells.join("   ").trim_end());
            out.push('\n');
        }
        out
    }

    /// The container to use: the one named, or the first, saying so when
    /// there are more, as kubectl does.
    fn pick_container(root: &Path, name: &str, container: Option<&str>) -> Result<String, Failure> {
        if let Some(c) = container {
            return Ok(c.to_string());
        }
        let Response::Pod(pod) = ask(root, name, &Request::Pod)? else {
            return Err(Failure::from("unexpected answer from the runner".to_string()));
        };
        let names: Vec<String> = pod["spec"]["containers"]
            .as_array()
            .map(|cs| cs.iter().filter_map(|c| c["name"].as_str().map(String::from)).collect())
            .unwrap_or_default();
        let first = names.first().cloned().ok_or_else(|| Failure::from(format!("pod {name} has no containers")))?;
        if names.len() > 1 {
            eprintln!("Defaulted container \"{first}\" out of: {}", names.join(", "));
        }
        Ok(first)
    }

    fn logs(root: &Path, name: &str, container: Option<&str>, previous: bool, follow: bool) -> Result<u8, Failure> {
        let container = pick_container(root, name, container)?;
        let mut offset = 0;
        loop {
            let request = Request::Logs { container: container.clone(), previous, offset };
            match ask(root, name, &request) {
                Ok(Response::Logs { text, next, done }) => {
                    print!("{text}");
                    let _ = std::io::Write::flush(&mut std::io::stdout());
                    offset = next;
                    if done || !follow {
                        return Ok(0);
                    }
                }
                Ok(other) => return unexpected(other),
                // The Pod went away while following: its log ended.
                Err(_) if follow && offset > 0 => return Ok(0),
                Err(e) => return Err(e),
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    }

    /// `exec -i/-t`: the command on this terminal's own descriptors.
    fn exec_attached(
        root: &Path,
        name: &str,
        container: Option<&str>,
        command: &[String],
        stdin: bool,
        tty: bool,
    ) -> Result<u8, Failure> {
        use std::io::IsTerminal;
        if command.is_empty() {
            return Err(Failure::usage("you must specify at least one command for the container"));
        }
        if tty && !std::io::stdin().is_terminal() {
            eprintln!("Unable to use a TTY - input is not a terminal or the right kind of file");
        }
        let container = pick_container(root, name, container)?;
        let socket =
            pods(root).into_iter().find(|(n, _)| n == name).map(|(_, s)| s).ok_or_else(|| Failure::not_found(name))?;
        let exit_code = crate::commands::attach::attach(&socket, container, command.to_vec(), stdin, tty)
            .map_err(|message| Failure { message: format!("error: {message}"), code: 1 })?;
        if exit_code != 0 {
            eprintln!("command terminated with exit code {exit_code}");
        }
        Ok(u8::try_from(exit_code.clamp(0, 255)).unwrap_or(1))
    }

    fn exec(root: &Path, name: &str, container: Option<&str>, command: &[String]) -> Result<u8, Failure> {
        if command.is_empty() {
            return Err(Failure::usage("you must specify at least one command for the container"));
        }
        let container = pick_container(root, name, container)?;
        match ask(root, name, &Request::Exec { container, command: command.to_vec() })? {
            Response::Exec { exit_code, output } => {
                print!("{output}");
                if exit_code != 0 {
                    eprintln!("command terminated with exit code {exit_code}");
                }
                Ok(u8::try_from(exit_code.clamp(0, 255)).unwrap_or(1))
            }
            other => unexpected(other),
        }
    }
}
