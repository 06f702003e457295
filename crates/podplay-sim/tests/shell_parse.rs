//! The shell front end on the commands that Pods of the Kubernetes docs and
//! the course run with `sh -c`, construct by construct, then busybox's
//! syntax errors, the bounds, and property tests: no input panics, and
//! printing a parsed script then parsing it again gives the same tree.

use podplay_sim::shell::ast::{
    AndOr, ArithExpr, AssignOp, BinaryOp, Command, CompoundKind, List, Parameter, ParameterOperation, Program,
    RedirectOp, SimpleCommand, SpecialParameter, UnaryOp, Word, WordPart,
};
use podplay_sim::shell::{MAX_NESTING, ParseError, parse, parse_arithmetic, parse_commands};
use proptest::prelude::*;

// ---------------------------------------------------------------- helpers

fn parse_ok(source: &str) -> Program {
    parse(source).unwrap_or_else(|e| panic!("{source:?}: {}", e.render("sh")))
}

fn parse_err(source: &str) -> ParseError {
    match parse(source) {
        Ok(program) => panic!("{source:?} parsed as {program:?}"),
        Err(error) => error,
    }
}

/// The busybox rendering of the error for `source`.
fn busybox_error(source: &str) -> String {
    parse_err(source).render("sh")
}

/// The tree's Debug text with every position replaced by `_`, so that trees
/// parsed from differently laid out text compare equal.
fn without_positions(program: &Program) -> String {
    let debug = format!("{program:?}");
    let mut out = String::with_capacity(debug.len());
    let mut rest = debug.as_str();
    while let Some(start) = rest.find("Position {") {
        out.push_str(&rest[..start]);
        out.push('_');
        let after = &rest[start..];
        let end = after.find('}').expect("closing brace of a Position");
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// Printing the tree and parsing the text gives the same tree, and printing
/// that gives the same text.
fn assert_round_trip(source: &str) {
    let program = parse_ok(source);
    let printed = program.to_string();
    let reparsed = parse(&printed).unwrap_or_else(|e| panic!("{source:?} printed as {printed:?}, which fails: {e}"));
    assert_eq!(without_positions(&program), without_positions(&reparsed), "{source:?} printed as {printed:?}");
    assert_eq!(reparsed.to_string(), printed);
}

/// The only command of a one-command script, as a simple command.
fn simple(program: &Program) -> &SimpleCommand {
    match only_command(program) {
        Command::Simple(command) => command,
        other => panic!("not a simple command: {other:?}"),
    }
}

fn only_command(program: &Program) -> &Command {
    let [list] = program.commands.as_slice() else {
        panic!("{} commands", program.commands.len());
    };
    first_command(list)
}

fn first_command(list: &List) -> &Command {
    let pipeline = &list.items[0].and_or.first;
    &pipeline.commands[0]
}

fn compound(command: &Command) -> &CompoundKind {
    match command {
        Command::Compound(compound) => &compound.kind,
        other => panic!("not compound: {other:?}"),
    }
}

fn words(command: &SimpleCommand) -> Vec<String> {
    command.words.iter().map(Word::to_string).collect()
}

fn literal(text: &str) -> WordPart {
    WordPart::Literal(text.to_string())
}

fn named(name: &str) -> Parameter {
    Parameter::Named(name.to_string())
}

// ------------------------------------------- commands of the Kubernetes docs

#[test]
fn while_loop_printing_hello() {
    let program = parse_ok("while true; do echo hello; sleep 10;done");
    let CompoundKind::While(lp) = compound(only_command(&program)) else {
        panic!("not a while loop");
    };
    assert_eq!(lp.condition.to_string(), "true");
    assert_eq!(lp.body.items.len(), 2);
    assert_eq!(lp.body.to_string(), "echo hello; sleep 10");
    assert_eq!(program.to_string(), "while true; do echo hello; sleep 10; done");
    assert_round_trip("while true; do echo hello; sleep 10;done");
}

#[test]
fn output_redirection() {
    let program = parse_ok("echo Hello from the debian container > /pod-data/index.html");
    let command = simple(&program);
    assert_eq!(words(command), ["echo", "Hello", "from", "the", "debian", "container"]);
    let [redirect] = command.redirects.as_slice() else {
        panic!("{:?}", command.redirects);
    };
    assert_eq!(redirect.op, RedirectOp::Output);
    assert_eq!(redirect.explicit_fd, None);
    assert_eq!(redirect.fd(), 1);
    assert_eq!(redirect.target.as_plain_literal(), Some("/pod-data/index.html"));
    assert_eq!(redirect.position.column, 38);
}

#[test]
fn counter_writing_two_logs() {
    let source = r#"i=0; while true; do echo "$i: $(date)" >> /var/log/1.log; echo "$(date) INFO $i" >> /var/log/2.log; i=$((i+1)); sleep 1; done"#;
    let program = parse_ok(source);
    let list = &program.commands[0];
    assert_eq!(list.items.len(), 2);

    let Command::Simple(init) = first_command(list) else { panic!() };
    assert!(init.words.is_empty());
    assert_eq!(init.assignments[0].name, "i");
    assert_eq!(init.assignments[0].value.parts, [literal("0")]);
    assert_eq!(init.assignments[0].value.position.column, 3);

    let loop_command = &list.items[1].and_or.first.commands[0];
    let CompoundKind::While(lp) = compound(loop_command) else { panic!() };
    let Command::Simple(echo) = first_command(&lp.body) else { panic!() };
    let [WordPart::DoubleQuoted(parts)] = echo.words[1].parts.as_slice() else {
        panic!("{:?}", echo.words[1]);
    };
    assert!(matches!(&parts[0], WordPart::Parameter(p) if p.parameter == named("i")));
    assert_eq!(parts[1], literal(": "));
    let WordPart::CommandSubstitution(date) = &parts[2] else { panic!() };
    assert!(!date.backquoted);
    assert_eq!(date.body.to_string(), "date");
    assert_eq!(echo.redirects[0].op, RedirectOp::Append);

    let Command::Simple(increment) = &lp.body.items[2].and_or.first.commands[0] else { panic!() };
    let [WordPart::Arithmetic(expr)] = increment.assignments[0].value.parts.as_slice() else {
        panic!("{increment:?}");
    };
    assert_eq!(
        *expr,
        ArithExpr::Binary {
            op: BinaryOp::Add,
            left: Box::new(ArithExpr::Variable("i".into())),
            right: Box::new(ArithExpr::Number(1)),
        }
    );
    assert_eq!(
        program.to_string(),
        r#"i=0; while true; do echo "$i: $(date)" >> /var/log/1.log; echo "$(date) INFO $i" >> /var/log/2.log; i=$((i + 1)); sleep 1; done"#
    );
    assert_round_trip(source);
}

#[test]
fn plain_commands() {
    assert_eq!(words(simple(&parse_ok("tail -n+1 -F /var/log/1.log"))), ["tail", "-n+1", "-F", "/var/log/1.log"]);
    assert_eq!(words(simple(&parse_ok("cp /sample.war /app"))), ["cp", "/sample.war", "/app"]);
    assert_eq!(words(simple(&parse_ok("nginx -s quit"))), ["nginx", "-s", "quit"]);
}

#[test]
fn and_list() {
    let program = parse_ok("echo The app is running! && sleep 3600");
    let and_or = &program.commands[0].items[0].and_or;
    assert_eq!(and_or.first.to_string(), "echo The app is running!");
    assert_eq!(and_or.rest.len(), 1);
    assert_eq!(and_or.rest[0].0, AndOr::And);
    assert_eq!(and_or.rest[0].1.to_string(), "sleep 3600");
    assert_eq!(and_or.rest[0].1.position.column, 29);
}

#[test]
fn until_with_command_substitution_inside_a_word() {
    let source = "until nslookup myservice.$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace).svc.cluster.local; do echo waiting for myservice; sleep 2; done";
    let program = parse_ok(source);
    let CompoundKind::Until(lp) = compound(only_command(&program)) else { panic!() };
    let Command::Simple(nslookup) = first_command(&lp.condition) else { panic!() };
    let parts = &nslookup.words[1].parts;
    assert_eq!(parts.len(), 3);
    assert_eq!(parts[0], literal("myservice."));
    let WordPart::CommandSubstitution(cat) = &parts[1] else { panic!() };
    assert_eq!(cat.body.to_string(), "cat /var/run/secrets/kubernetes.io/serviceaccount/namespace");
    assert_eq!(parts[2], literal(".svc.cluster.local"));
    assert_round_trip(source);
}

#[test]
fn trap_with_single_quotes() {
    let program = parse_ok("trap 'echo bye; exit 0' TERM; while true; do sleep 1; done");
    let Command::Simple(trap) = first_command(&program.commands[0]) else { panic!() };
    assert_eq!(trap.words[1].parts, [WordPart::SingleQuoted("echo bye; exit 0".into())]);
    assert_eq!(trap.words[2].as_plain_literal(), Some("TERM"));
    assert_round_trip("trap 'echo bye; exit 0' TERM; while true; do sleep 1; done");
}

#[test]
fn for_loops() {
    let program = parse_ok("for i in 1 2 3; do echo $i; done");
    let CompoundKind::For(for_command) = compound(only_command(&program)) else { panic!() };
    assert_eq!(for_command.variable, "i");
    let words: Vec<String> = for_command.words.iter().flatten().map(Word::to_string).collect();
    assert_eq!(words, ["1", "2", "3"]);
    assert_eq!(for_command.body.to_string(), "echo $i");

    // Without `in`: over "$@"; the `;` is optional, newlines are allowed.
    for source in ["for a; do echo $a; done", "for a do echo $a; done", "for a\ndo echo $a\ndone"] {
        let program = parse_ok(source);
        let CompoundKind::For(for_command) = compound(only_command(&program)) else { panic!() };
        assert_eq!(for_command.words, None, "{source}");
        assert_eq!(program.to_string(), "for a; do echo $a; done");
    }
    let program = parse_ok("for a in; do echo; done");
    let CompoundKind::For(for_command) = compound(only_command(&program)) else { panic!() };
    assert_eq!(for_command.words, Some(vec![]));
    assert_round_trip("for a in; do echo; done");
    // After `in`, reserved words are plain words.
    let program = parse_ok("for w in do done if; do echo $w; done");
    assert_eq!(program.to_string(), "for w in do done if; do echo $w; done");
}

#[test]
fn if_else_with_test_brackets() {
    let program = parse_ok("if [ -f /x ]; then cat /x; else echo none; fi");
    let CompoundKind::If(if_command) = compound(only_command(&program)) else { panic!() };
    assert_eq!(if_command.branches.len(), 1);
    let Command::Simple(test) = first_command(&if_command.branches[0].condition) else { panic!() };
    assert_eq!(words(test), ["[", "-f", "/x", "]"]);
    assert_eq!(if_command.branches[0].body.to_string(), "cat /x");
    assert_eq!(if_command.else_body.as_ref().map(List::to_string).as_deref(), Some("echo none"));
    assert_round_trip("if [ -f /x ]; then cat /x; else echo none; fi");
    assert_round_trip("if a; then b; elif c; then d; elif e; then f; fi");
    let program = parse_ok("if a\nthen\n  b\nelif c\nthen d\nfi");
    let CompoundKind::If(if_command) = compound(only_command(&program)) else { panic!() };
    assert_eq!(if_command.branches.len(), 2);
    assert_eq!(if_command.else_body, None);
}

#[test]
fn pipeline_with_stderr_to_stdout() {
    let program = parse_ok(r#"echo "$(date) INFO $i" 2>&1 | tee -a /log"#);
    let pipeline = &program.commands[0].items[0].and_or.first;
    assert_eq!(pipeline.commands.len(), 2);
    let Command::Simple(echo) = &pipeline.commands[0] else { panic!() };
    let redirect = &echo.redirects[0];
    assert_eq!((redirect.explicit_fd, redirect.op), (Some(2), RedirectOp::DuplicateOutput));
    assert_eq!(redirect.target.as_plain_literal(), Some("1"));
    assert_eq!(pipeline.commands[1].to_string(), "tee -a /log");
    assert_eq!(program.to_string(), r#"echo "$(date) INFO $i" 2>&1 | tee -a /log"#);
}

#[test]
fn redirections() {
    let cases: &[(&str, Option<u32>, RedirectOp, u32, &str)] = &[
        ("ls 2>/dev/null", Some(2), RedirectOp::Output, 2, "/dev/null"),
        ("echo err >&2", None, RedirectOp::DuplicateOutput, 1, "2"),
        ("cat <in", None, RedirectOp::Input, 0, "in"),
        ("exec 3<f", Some(3), RedirectOp::Input, 3, "f"),
        ("exec 4>f", Some(4), RedirectOp::Output, 4, "f"),
        ("echo a >> f", None, RedirectOp::Append, 1, "f"),
        ("echo a >| f", None, RedirectOp::Clobber, 1, "f"),
        ("exec 5<>f", Some(5), RedirectOp::ReadWrite, 5, "f"),
        ("exec 0<&3", Some(0), RedirectOp::DuplicateInput, 0, "3"),
        ("exec 3>&-", Some(3), RedirectOp::DuplicateOutput, 3, "-"),
        ("cmd &>/dev/null", None, RedirectOp::OutputAndError, 1, "/dev/null"),
    ];
    for &(source, explicit_fd, op, fd, target) in cases {
        let program = parse_ok(source);
        let redirect = &simple(&program).redirects[0];
        assert_eq!(redirect.explicit_fd, explicit_fd, "{source}");
        assert_eq!(redirect.op, op, "{source}");
        assert_eq!(redirect.fd(), fd, "{source}");
        assert_eq!(redirect.target.as_plain_literal(), Some(target), "{source}");
        assert_round_trip(source);
    }
    // Redirections may come first, or between words; a number not right
    // before the operator is a word.
    let program = parse_ok(">out echo a 2>err b");
    assert_eq!(words(simple(&program)), ["echo", "a", "b"]);
    assert_eq!(program.to_string(), "echo a b > out 2> err");
    assert_eq!(words(simple(&parse_ok("echo 2 >x"))), ["echo", "2"]);
    assert_eq!(words(simple(&parse_ok("echo a2>x"))), ["echo", "a2"]);
    assert_eq!(words(simple(&parse_ok("echo 1234567890>x"))), ["echo", "1234567890"]);
    // Redirections of a compound command apply to all of it.
    let program = parse_ok("while read l; do echo $l; done < in > out");
    let Command::Compound(lp) = only_command(&program) else { panic!() };
    assert_eq!(lp.redirects.len(), 2);
    assert_eq!(program.to_string(), "while read l; do echo $l; done < in > out");
}

#[test]
fn assignments() {
    let program = parse_ok("FOO=bar BAZ= cmd A=1");
    let command = simple(&program);
    assert_eq!(command.assignments.len(), 2);
    assert_eq!(command.assignments[0].name, "FOO");
    assert_eq!(command.assignments[1].value.parts, []);
    // After the command name, NAME=value is an argument (for `export`).
    assert_eq!(words(command), ["cmd", "A=1"]);
    // A quoted or invalid name is no assignment.
    assert!(simple(&parse_ok("\"A\"=1")).assignments.is_empty());
    assert!(simple(&parse_ok("1A=1")).assignments.is_empty());
    // A value may have quotes and expansions.
    let program = parse_ok(r#"msg="a b"$x c"#);
    let command = simple(&program);
    assert_eq!(command.assignments[0].value.to_string(), r#""a b"$x"#);
    assert_eq!(words(command), ["c"]);
    assert_round_trip(r#"msg="a b"$x c; x=; y==z"#);
}

#[test]
fn lists_background_and_negation() {
    let program = parse_ok("sleep 10 & echo started; ! grep -q x f || echo absent\necho next");
    assert_eq!(program.commands.len(), 2);
    let items = &program.commands[0].items;
    assert_eq!(items.len(), 3);
    assert!(items[0].background);
    assert!(!items[1].background);
    assert!(items[2].and_or.first.negated);
    assert_eq!(items[2].and_or.rest[0].0, AndOr::Or);
    assert_eq!(program.to_string(), "sleep 10 & echo started; ! grep -q x f || echo absent\necho next");
    // `&&`, `||` and `|` may be followed by newlines.
    let program = parse_ok("a &&\n\n b ||\n c |\n d");
    assert_eq!(program.commands.len(), 1);
    assert_eq!(program.to_string(), "a && b || c | d");
    // Blank lines and comments leave no command.
    let program = parse_ok("\n# a comment\n  echo a # and another\n\n");
    assert_eq!(program.to_string(), "echo a");
    assert_eq!(simple(&program).position.line, 3);
    assert_eq!(parse_ok("").commands.len(), 0);
    assert_round_trip("a & b & c &");
}

#[test]
fn case_statement() {
    let source = "case \"$1\" in\n  start|run) echo starting;;\n  (stop) echo stopping ;;\n  *.log) ;;\n  *) echo \"unknown: $1\"; exit 1\nesac";
    let program = parse_ok(source);
    let CompoundKind::Case(case) = compound(only_command(&program)) else { panic!() };
    assert_eq!(case.word.to_string(), "\"$1\"");
    assert_eq!(case.arms.len(), 4);
    assert_eq!(case.arms[0].patterns.len(), 2);
    assert_eq!(case.arms[0].position.line, 2);
    assert_eq!(case.arms[1].patterns[0].as_plain_literal(), Some("stop"));
    assert!(case.arms[2].body.items.is_empty());
    assert_eq!(case.arms[3].body.items.len(), 2);
    assert_eq!(
        program.to_string(),
        "case \"$1\" in start|run) echo starting;; stop) echo stopping;; *.log);; *) echo \"unknown: $1\"; exit 1;; esac"
    );
    assert_round_trip(source);
    assert_round_trip("case x in (esac) echo odd;; esac");
    assert_round_trip("case x in esac");
}

#[test]
fn functions() {
    let source = "log() {\n  echo \"$(date) $*\" >&2\n}\nlog started";
    let program = parse_ok(source);
    assert_eq!(program.commands.len(), 2);
    let Command::FunctionDefinition(log) = first_command(&program.commands[0]) else { panic!() };
    assert_eq!(log.name, "log");
    let Command::Compound(body) = log.body.as_ref() else { panic!() };
    assert!(matches!(body.kind, CompoundKind::BraceGroup(_)));
    assert_eq!(program.to_string(), "log() { echo \"$(date) $*\" >&2; }\nlog started");
    assert_round_trip(source);
    // bash's `function` keyword, which busybox accepts.
    let program = parse_ok("function greet { echo hi; }; function bye() { echo bye; }");
    assert_eq!(program.to_string(), "greet() { echo hi; }; bye() { echo bye; }");
    // A newline may come between `()` and the body.
    assert_round_trip("f()\n{ echo; }");
    assert_eq!(busybox_error("exit() { :; }"), "sh: line 1: syntax error: bad function name");
    assert_eq!(busybox_error("a-b() { :; }"), "sh: line 1: syntax error: bad function name");
    assert_eq!(busybox_error("f( { :; }"), "sh: line 1: syntax error: unexpected \"{\" (expecting \")\")");
}

#[test]
fn subshells_and_brace_groups() {
    let program = parse_ok("(cd /tmp && ls) ; { echo a; echo b; } > out");
    let items = &program.commands[0].items;
    let CompoundKind::Subshell(body) = compound(&items[0].and_or.first.commands[0]) else { panic!() };
    assert_eq!(body.to_string(), "cd /tmp && ls");
    let Command::Compound(group) = &items[1].and_or.first.commands[0] else { panic!() };
    assert!(matches!(group.kind, CompoundKind::BraceGroup(_)));
    assert_eq!(group.redirects.len(), 1);
    assert_eq!(program.to_string(), "( cd /tmp && ls ); { echo a; echo b; } > out");
    assert_round_trip("((echo nested))");
    assert_round_trip("{ sleep 1 & }");
    // `{` and `}` are reserved only as whole words in command position.
    assert_eq!(words(simple(&parse_ok("echo { } {a}"))), ["echo", "{", "}", "{a}"]);
}

#[test]
fn reserved_words_only_in_command_position() {
    let program = parse_ok("echo if then else fi do done case esac in ! {");
    assert_eq!(simple(&program).words.len(), 12);
    // Quoted, they are never reserved.
    assert_round_trip("\"if\" a; 'done'; \\fi");
    // After an assignment, a reserved word is a command name, as in busybox.
    assert_eq!(words(simple(&parse_ok("A=1 if"))), ["if"]);
}

// ------------------------------------------------------------ words

#[test]
fn quoting() {
    let program = parse_ok(r#"echo 'a $b' "c \$d \"e\" \\ \x" f\ g \$h"#);
    let command = simple(&program);
    assert_eq!(command.words[1].parts, [WordPart::SingleQuoted("a $b".into())]);
    assert_eq!(command.words[2].parts, [WordPart::DoubleQuoted(vec![literal(r#"c $d "e" \ \x"#)])]);
    assert_eq!(command.words[3].parts, [literal("f"), WordPart::Escaped(' '), literal("g")]);
    assert_eq!(command.words[4].parts, [WordPart::Escaped('$'), literal("h")]);
    assert_round_trip(r#"echo 'a $b' "c \$d \"e\" \\ \x" f\ g \$h"#);
    // Empty quotes still make a word.
    assert_eq!(simple(&parse_ok("echo '' \"\"")).words.len(), 3);
    // A `$` that starts no expansion is literal.
    assert_eq!(simple(&parse_ok("echo $ a$ \"$\" $/")).to_string(), "echo $ a$ \"\\$\" $/");
    // `#` starts a comment only at the start of a word.
    assert_eq!(words(simple(&parse_ok("echo a#b #c"))), ["echo", "a#b"]);
}

#[test]
fn line_continuations() {
    let program = parse_ok("echo a \\\n  b; ec\\\nho c \"d\\\ne\"");
    assert_eq!(program.to_string(), "echo a b; echo c \"de\"");
    // Not inside single quotes.
    assert_eq!(simple(&parse_ok("echo 'a\\\nb'")).words[1].parts, [WordPart::SingleQuoted("a\\\nb".into())]);
}

#[test]
fn parameters() {
    let expansion = |source: &str| {
        let program = parse_ok(source);
        match &simple(&program).words[1].parts[0] {
            WordPart::Parameter(p) => p.clone(),
            other => panic!("{source}: {other:?}"),
        }
    };
    assert_eq!(expansion("echo $HOME").parameter, named("HOME"));
    assert_eq!(expansion("echo ${HOME}x").parameter, named("HOME"));
    assert!(expansion("echo ${HOME}x").braced);
    for (c, special) in [
        ('?', SpecialParameter::LastStatus),
        ('$', SpecialParameter::ShellPid),
        ('!', SpecialParameter::LastBackgroundPid),
        ('#', SpecialParameter::ArgumentCount),
        ('@', SpecialParameter::AllArguments),
        ('*', SpecialParameter::AllArgumentsJoined),
        ('0', SpecialParameter::ShellName),
        ('-', SpecialParameter::Options),
    ] {
        assert_eq!(expansion(&format!("echo ${c}")).parameter, Parameter::Special(special));
        assert_eq!(expansion(&format!("echo ${{{c}}}")).parameter, Parameter::Special(special));
    }
    for n in 1..=9 {
        assert_eq!(expansion(&format!("echo ${n}")).parameter, Parameter::Positional(n));
    }
    // `$10` is `$1` then `0`; `${10}` is the tenth.
    let program = parse_ok("echo $10 ${10}");
    assert_eq!(simple(&program).words[1].parts[1], literal("0"));
    assert_eq!(expansion("echo ${10}").parameter, Parameter::Positional(10));
    assert_round_trip("echo $10 ${10} $@ \"$@\" $* $# ${#} $? $$ $! $0 $-");

    let operation = |source: &str| expansion(source).operation.expect("an operation");
    assert!(matches!(
        operation("echo ${VAR:-default}"),
        ParameterOperation::UseDefault { treat_empty_as_unset: true, word } if word.to_string() == "default"
    ));
    assert!(matches!(
        operation("echo ${VAR-default}"),
        ParameterOperation::UseDefault { treat_empty_as_unset: false, .. }
    ));
    assert!(matches!(
        operation("echo ${VAR:=x}"),
        ParameterOperation::AssignDefault { treat_empty_as_unset: true, word } if word.to_string() == "x"
    ));
    assert!(
        matches!(operation("echo ${VAR:?}"), ParameterOperation::ErrorIfUnset { word, .. } if word.parts.is_empty())
    );
    assert!(matches!(operation("echo ${VAR+set}"), ParameterOperation::UseAlternative { .. }));
    assert_eq!(operation("echo ${#VAR}"), ParameterOperation::Length);
    assert_eq!(expansion("echo ${#VAR}").parameter, named("VAR"));
    assert_eq!(operation("echo ${#1}"), ParameterOperation::Length);
    assert!(matches!(operation("echo ${f%.*}"), ParameterOperation::RemoveSuffix { longest: false, .. }));
    assert!(matches!(operation("echo ${f%%.*}"), ParameterOperation::RemoveSuffix { longest: true, .. }));
    assert!(matches!(operation("echo ${p#*/}"), ParameterOperation::RemovePrefix { longest: false, .. }));
    assert!(matches!(operation("echo ${p##*/}"), ParameterOperation::RemovePrefix { longest: true, .. }));
    assert!(matches!(operation("echo ${s:1:2}"), ParameterOperation::Substring { length: Some(_), .. }));
    assert!(matches!(operation("echo ${s//a/b}"), ParameterOperation::Replace { all: true, replacement: Some(_), .. }));
    assert!(matches!(operation("echo ${s/a}"), ParameterOperation::Replace { all: false, replacement: None, .. }));
    // `${#:-0}` is `$#` with a default, `${##}` the length of `$#`.
    assert_eq!(expansion("echo ${#:-0}").parameter, Parameter::Special(SpecialParameter::ArgumentCount));
    assert_eq!(operation("echo ${##}"), ParameterOperation::Length);

    // The word runs to the matching brace, blanks and operators included,
    // and may hold quotes and expansions.
    let program = parse_ok("echo ${A:-a b;c|d} \"${B:-$HOME/x \"y\"}\" ${C:-'}'}");
    assert_eq!(simple(&program).words.len(), 4);
    assert_round_trip("echo ${A:-a b;c|d} \"${B:-$HOME/x \"y\"}\" ${C:-'}'} ${D:-${E:-$(echo e)}}");
    assert_round_trip("echo \"${x#'a'}\" ${y%\"*\"} \"${z:-\\}}\" ${w:+\\}}");
}

#[test]
fn command_substitutions() {
    let program = parse_ok("echo $(echo $(echo deep)) `date +%s` \"`echo \\\"q\\\"`\"");
    let command = simple(&program);
    let WordPart::CommandSubstitution(outer) = &command.words[1].parts[0] else { panic!() };
    assert_eq!(outer.body.to_string(), "echo $(echo deep)");
    let WordPart::CommandSubstitution(date) = &command.words[2].parts[0] else { panic!() };
    assert!(date.backquoted);
    assert_eq!(date.body.to_string(), "date +%s");
    assert_eq!(program.to_string(), "echo $(echo $(echo deep)) `date +%s` \"`echo \"q\"`\"");
    assert_round_trip("echo $(echo $(echo deep)) `date +%s` \"`echo \\\"q\\\"`\" `echo \\$HOME \\\\`");
    // The grammar decides which `)` closes: case patterns inside.
    let program = parse_ok("echo $(case $x in a) echo A;; esac) done");
    assert_eq!(words(simple(&program)).last().map(String::as_str), Some("done"));
    assert_round_trip("echo $(case $x in a) echo A;; esac)");
    // Empty, and a subshell inside, which needs a space after `$(`.
    assert_round_trip("echo $() $( (echo sub) )");
    let program = parse_ok("echo $(\n  echo a\n  echo b\n)");
    let WordPart::CommandSubstitution(two) = &simple(&program).words[1].parts[0] else { panic!() };
    assert_eq!(two.body.items.len(), 2);
}

// ------------------------------------------------------------ arithmetic

#[test]
fn arithmetic_expressions() {
    let parsed = |source: &str| parse_arithmetic(source).unwrap_or_else(|e| panic!("{source}: {e}"));
    let printed = |source: &str| parsed(source).to_string();
    assert_eq!(printed("i+1"), "i + 1");
    assert_eq!(printed("$i+1"), "$i + 1");
    assert_eq!(printed("1 + 2 * 3"), "1 + 2 * 3");
    assert_eq!(printed("(1 + 2) * 3"), "(1 + 2) * 3");
    assert_eq!(printed("1 - (2 - 3)"), "1 - (2 - 3)");
    assert_eq!(printed("a < b && b >= c || !d"), "a < b && b >= c || !d");
    assert_eq!(printed("x == 1 ? y : z"), "x == 1 ? y : z");
    assert_eq!(printed("a = b += 2"), "a = b += 2");
    assert_eq!(printed("-2 ** 2"), "-2 ** 2");
    assert_eq!(printed("2 ** 3 ** 2"), "2 ** 3 ** 2");
    assert_eq!(printed("i++ + ++j"), "i++ + ++j");
    assert_eq!(printed("0x1F + 010 + ${n:-0} + $(echo 1)"), "31 + 8 + ${n:-0} + $(echo 1)");
    assert_eq!(printed(""), "0");
    assert_eq!(
        parsed("-x % 3"),
        ArithExpr::Binary {
            op: BinaryOp::Remainder,
            left: Box::new(ArithExpr::Unary {
                op: UnaryOp::Negate,
                operand: Box::new(ArithExpr::Variable("x".into())),
            }),
            right: Box::new(ArithExpr::Number(3)),
        }
    );
    assert!(matches!(parsed("n -= 2"), ArithExpr::Assign { op: AssignOp::Subtract, .. }));
    // busybox's ++ rules: `--7` is `- -7`, `7+++v` is `7 + ++v`.
    assert_eq!(printed("--7"), "- -7");
    assert_eq!(printed("7+++v"), "7 + ++v");
    assert_eq!(printed("a+++v"), "a++ + v");
    // Too big is 0; 2^63 and up wrap, as in busybox.
    assert_eq!(parsed("99999999999999999999"), ArithExpr::Number(0));
    assert_eq!(parsed("0xFFFFFFFFFFFFFFFF"), ArithExpr::Number(-1));
    for bad in ["1 +", "09", "1a", "(1", "1)", "a ? b", "1 = 2", "@", "$"] {
        let error = parse_arithmetic(bad).expect_err(bad);
        assert_eq!(error.message(), "arithmetic syntax error", "{bad}");
    }
}

#[test]
fn arithmetic_expansions() {
    assert_round_trip("echo $((i+1)) $(( (a + b) * c )) $(( )) $((x=$y+${z:-1})) $((`echo 2` * 3)) $(($(echo 4)))");
    assert_eq!(busybox_error("echo $((1 +"), "sh: line 1: syntax error: missing '))'");
    assert!(parse_err("echo $((1 +").is_incomplete());
    assert_eq!(busybox_error("echo $((1 2))"), "sh: line 1: arithmetic syntax error");
    assert_eq!(busybox_error("echo $((1)+2))"), "sh: line 1: arithmetic syntax error");
}

// -------------------------------------------------------------- errors

#[test]
fn busybox_syntax_errors() {
    let cases = [
        ("echo \"unterminated", "syntax error: unterminated quoted string", true),
        ("echo 'unterminated\nmore", "syntax error: unterminated quoted string", true),
        ("done", "syntax error: unexpected \"done\"", false),
        ("echo a; done", "syntax error: unexpected \"done\"", false),
        ("if true; then echo yes", "syntax error: unexpected end of file (expecting \"fi\")", true),
        ("if true; then echo yes; done", "syntax error: unexpected \"done\" (expecting \"fi\")", false),
        ("if true; fi", "syntax error: unexpected \"fi\" (expecting \"then\")", false),
        ("if; then :; fi", "syntax error: unexpected \";\"", false),
        ("if true; then fi", "syntax error: unexpected \"fi\"", false),
        ("while true; echo; done", "syntax error: unexpected \"done\" (expecting \"do\")", false),
        ("while true; do echo", "syntax error: unexpected end of file (expecting \"done\")", true),
        ("echo a )", "syntax error: unexpected \")\"", false),
        (")", "syntax error: unexpected \")\"", false),
        ("( echo a", "syntax error: unexpected end of file (expecting \")\")", true),
        ("()", "syntax error: unexpected \")\"", false),
        ("{ echo a }", "syntax error: unexpected end of file (expecting \"}\")", true),
        ("{ }", "syntax error: unexpected \"}\"", false),
        ("echo a;;", "syntax error: unexpected \";;\"", false),
        ("echo a; ;", "syntax error: unexpected \";\"", false),
        ("| cat", "syntax error: unexpected \"|\"", false),
        ("echo a &&", "syntax error: unexpected end of file", true),
        ("echo >", "syntax error: unexpected end of file", true),
        ("echo > ;", "syntax error: unexpected \";\"", false),
        ("(echo a) b", "syntax error: unexpected word", false),
        ("for 1 in a; do :; done", "syntax error: bad for loop variable", false),
        ("for i in a b do :; done", "syntax error: unexpected \"done\" (expecting \"do\")", false),
        ("case x in a) echo", "syntax error: unexpected end of file (expecting \";;\")", true),
        ("case x a) ;; esac", "syntax error: unexpected word (expecting \"in\")", false),
        ("case ; in esac", "syntax error: unexpected \";\" (expecting word)", false),
        ("! ! true", "syntax error: unexpected \"!\"", false),
        ("echo ${x", "syntax error: missing '}'", true),
        ("echo ${x:-abc", "syntax error: missing '}'", true),
        ("echo ${}", "syntax error: bad substitution", false),
        ("echo ${x~}", "syntax error: bad substitution", false),
        ("echo $(echo", "syntax error: unexpected end of file (expecting \")\")", true),
        ("echo `echo", "syntax error: EOF in backquote substitution", true),
        ("cat <<EOF\nhi\nEOF", "syntax error: here-documents (<<) are not supported by podplay's sh", false),
    ];
    for (source, message, incomplete) in cases {
        let error = parse_err(source);
        assert_eq!(error.message(), message, "{source:?}");
        assert_eq!(error.is_incomplete(), incomplete, "{source:?}");
    }
}

#[test]
fn error_positions_and_rendering() {
    let error = parse_err("while true\ndo\n  echo hi\ndone\ndone");
    assert_eq!(error.render("sh"), "sh: line 5: syntax error: unexpected \"done\"");
    assert_eq!((error.position().line, error.position().column), (5, 1));
    assert_eq!(error.to_string(), "5:1: syntax error: unexpected \"done\"");

    // The quote that is never closed is where to look; busybox names the
    // line where the script ended.
    let error = parse_err("echo start\necho \"oops\necho end\n");
    assert_eq!((error.position().line, error.position().column), (2, 6));
    assert_eq!(error.reported_line(), 4);
    assert_eq!(error.render("/bin/sh"), "/bin/sh: line 4: syntax error: unterminated quoted string");

    // busybox counts a newline token on the line after it.
    assert_eq!(busybox_error("echo >\n"), "sh: line 2: syntax error: unexpected newline");
    assert_eq!(
        busybox_error("if true; then\n  echo a\n"),
        "sh: line 3: syntax error: unexpected end of file (expecting \"fi\")"
    );
}

#[test]
fn commands_before_an_error_are_parsed_first() {
    // busybox runs `echo one` and `echo two` before it reads line 3.
    let results: Vec<_> = parse_commands("echo one\necho two\nfi\necho never").collect();
    assert_eq!(results.len(), 3);
    assert_eq!(results[0].as_ref().map(ToString::to_string), Ok("echo one".to_string()));
    assert_eq!(results[1].as_ref().map(ToString::to_string), Ok("echo two".to_string()));
    let error = results[2].as_ref().expect_err("the error");
    assert_eq!(error.render("sh"), "sh: line 3: syntax error: unexpected \"fi\"");
    // One line is one complete command: `echo two` does not run here.
    let results: Vec<_> = parse_commands("echo one\necho two; fi").collect();
    assert_eq!(results.len(), 2);
    assert_eq!(
        results[1].as_ref().map_err(|e| e.render("sh")),
        Err("sh: line 2: syntax error: unexpected \"fi\"".to_string())
    );
    // A multi-line compound command is one complete command.
    assert_eq!(parse_commands("while true\ndo\n  sleep 1\ndone\necho after").count(), 2);
}

// -------------------------------------------------------------- bounds

#[test]
fn nesting_is_bounded() {
    fn deep(n: usize, open: &str, middle: &str, close: &str) -> String {
        format!("{}{middle}{}", open.repeat(n), close.repeat(n))
    }
    // Sources nested `n` levels deep, one per construct that nests.
    let constructs: [fn(usize) -> String; 9] = [
        |n| deep(n, "( ", "true", " )"),
        |n| deep(n, "{ ", "true", "; }"),
        |n| deep(n, "echo $(", "true", ")"),
        |n| deep(n, "echo \"$(", "true", ")\""),
        |n| deep(n, "if ", "true", "; then :; fi"),
        |n| deep(n, "while ", "true", "; do :; done"),
        |n| deep(n, "echo ${x:-", "x", "}"),
        |n| format!("echo {}", deep(n, "$((", "1", "))")),
        |n| format!("echo $(({}))", deep(n - 1, "(", "1", ")")),
    ];
    let at_limit = MAX_NESTING as usize;
    // At the limit, parsing fits in 1 MiB of stack (wasm's default) even
    // unoptimized; one level more is an error.
    let fits = std::thread::Builder::new()
        .stack_size(1 << 20)
        .spawn(move || {
            for construct in constructs {
                let source = construct(at_limit);
                assert!(parse(&source).is_ok(), "{source}: {:?}", parse(&source).err());
            }
            let arithmetic = deep(at_limit, "(", "1", ")");
            assert!(parse_arithmetic(&arithmetic).is_ok());
        })
        .unwrap()
        .join();
    assert!(fits.is_ok());
    for construct in constructs {
        for n in [at_limit + 1, 100_000] {
            let error = parse_err(&construct(n));
            assert!(error.message().contains("nested too deeply"), "{error}");
        }
    }
    let error = parse_err(&deep(100_000, "f() { ", "true", "; }"));
    assert!(error.message().contains("nested too deeply"), "{error}");
    assert!(parse_arithmetic(&format!("{}1{}", "(".repeat(10_000), ")".repeat(10_000))).is_err());
    assert!(parse_arithmetic(&"-".repeat(10_000)).is_err());
    assert!(parse_arithmetic(&format!("1{}", "**1".repeat(10_000))).is_err());
    // Long flat expressions would make a tall tree: bounded too.
    assert!(parse_arithmetic(&format!("1{}", "+1".repeat(200))).is_ok());
    assert!(parse_arithmetic(&format!("1{}", "+1".repeat(10_000))).is_err());
    assert!(parse(&format!("echo {}", "${x:-".repeat(10_000))).is_err());
    assert!(parse(&"\"$(".repeat(10_000)).is_err());
}

#[test]
fn long_flat_scripts_are_fine() {
    let long = "echo a; ".repeat(20_000);
    assert_eq!(parse_ok(&long).commands[0].items.len(), 20_000);
    let pipeline = vec!["cat"; 10_000].join(" | ");
    assert_eq!(parse_ok(&pipeline).commands[0].items[0].and_or.first.commands.len(), 10_000);
    let and_or = vec!["true"; 10_000].join(" && ");
    assert_eq!(parse_ok(&and_or).commands[0].items[0].and_or.rest.len(), 9_999);
}

#[test]
fn printing_edge_cases_read_back() {
    // A command named like a reserved word keeps its redirection in front.
    assert_eq!(parse_ok(">out if a").to_string(), "> out if a");
    assert_round_trip(">out if a; <in ! b");
    // bash's `function` keyword allows reserved names.
    assert_round_trip("function if { echo odd; }");
    assert_round_trip("case x in a) b & ;; esac; while a & do b & done; { c & }");
    assert_round_trip("echo ${x:} ${x::2} ${#10} ${##} ${#-} $$$ $$x \"\\$$x\"");
}

// ------------------------------------------- bash-isms busybox accepts

#[test]
fn double_brackets_keep_their_operators() {
    let program = parse_ok("if [[ -e /etc/podinfo/labels && -n $x ]]; then cat /etc/podinfo/labels; fi");
    let CompoundKind::If(if_command) = compound(only_command(&program)) else { panic!() };
    let Command::Simple(test) = first_command(&if_command.branches[0].condition) else { panic!() };
    assert_eq!(words(test), ["[[", "-e", "/etc/podinfo/labels", "&&", "-n", "$x", "]]"]);
    assert_round_trip("[[ a || b ]] && echo yes");
}

// ----------------------------------- every `sh -c` script of the corpus

/// The scripts that the Pods of `examples/` and of the Kubernetes docs
/// corpus run with `sh -c` (containers, init containers, exec hooks and
/// probes).
fn corpus_scripts() -> Vec<(String, String)> {
    use k8s_openapi::api::core::v1::{Container, Pod};

    fn shell_script(argv: &[String]) -> Option<String> {
        let shell = argv.first()?.rsplit('/').next()?;
        if !matches!(shell, "sh" | "bash" | "ash") || argv.get(1)? != "-c" {
            return None;
        }
        argv.get(2).cloned()
    }
    fn container_argvs(container: &Container) -> Vec<Vec<String>> {
        let mut argvs = Vec::new();
        let mut main = container.command.clone().unwrap_or_default();
        main.extend(container.args.clone().unwrap_or_default());
        argvs.push(main);
        let hooks = container.lifecycle.iter().flat_map(|l| [&l.post_start, &l.pre_stop]);
        for handler in hooks.flatten() {
            argvs.extend(handler.exec.as_ref().and_then(|e| e.command.clone()));
        }
        let probes = [&container.liveness_probe, &container.readiness_probe, &container.startup_probe];
        for probe in probes.into_iter().flatten() {
            argvs.extend(probe.exec.as_ref().and_then(|e| e.command.clone()));
        }
        argvs
    }
    fn pod_argvs(pod: &Pod) -> Vec<Vec<String>> {
        let Some(spec) = &pod.spec else {
            return Vec::new();
        };
        let containers = spec.init_containers.iter().flatten().chain(&spec.containers);
        containers.flat_map(container_argvs).collect()
    }

    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dirs = [root.join("examples"), root.join("crates/podplay-core/tests/k8s-docs")];
    let mut scripts = Vec::new();
    for dir in dirs {
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|x| x == "yaml"))
            .collect();
        files.sort();
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let analysis = podplay_core::analyze(&text);
            for pod in analysis.valid_pods() {
                for argv in pod_argvs(pod) {
                    if let Some(script) = shell_script(&argv) {
                        let name = file.file_name().unwrap().to_string_lossy().into_owned();
                        scripts.push((name, script));
                    }
                }
            }
        }
    }
    scripts
}

#[test]
fn every_corpus_script_parses_and_round_trips() {
    let scripts = corpus_scripts();
    assert!(scripts.len() >= 40, "only {} scripts found", scripts.len());
    let mut failures = Vec::new();
    for (file, script) in &scripts {
        match parse(script) {
            Ok(_) => assert_round_trip(script),
            Err(error) => failures.push(format!("{file}: {script:?}: {}", error.render("sh"))),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------- properties

/// Words of the kinds scripts use.
fn word() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z][a-z0-9_./=+-]{0,6}",
        "'[a-z $;|&()\"]{0,6}'",
        "\"[a-z :]{0,4}\\$[a-z]{1,3}[a-z ]{0,3}\"",
        "\"\\$\\((date|pwd|echo [a-z]{1,4})\\) [a-z]{0,3}\"",
        "\\$\\{[a-z]{1,3}(:-|-|:=|:\\+|%|##)[a-z ./*]{0,3}\\}",
        "\\$\\(\\([a-z]{1,2} ?[-+*/%] ?[1-9][0-9]?\\)\\)",
        "\\$(\\?|#|@|\\*|\\$|!|[0-9])",
        "[a-z]{1,3}\\\\[ ;&|][a-z]{1,3}",
        "`(date|echo [a-z]{1,4})`",
        "[a-z]{1,3}\\$\\((cat|ls|echo) [a-z]{1,3}\\)[.a-z]{0,4}",
    ]
}

fn simple_command() -> impl Strategy<Value = String> {
    let name = "(echo|cat|true|false|sleep|test|ls|printf|\\[)";
    let assignment = prop::option::of("[A-Z]{1,3}=[a-z0-9]{0,3}");
    let redirect = prop::option::of(prop_oneof![
        Just(" > /tmp/out".to_string()),
        Just(" 2>&1".to_string()),
        Just(" >> log".to_string()),
        Just(" 2>/dev/null".to_string()),
        Just(" < in".to_string()),
        Just(" >&2".to_string()),
    ]);
    (assignment, name, prop::collection::vec(word(), 0..4), redirect).prop_map(|(assignment, name, words, redirect)| {
        let mut text = assignment.map(|a| format!("{a} ")).unwrap_or_default();
        text.push_str(&name);
        for word in words {
            text.push(' ');
            text.push_str(&word);
        }
        text.push_str(&redirect.unwrap_or_default());
        text
    })
}

/// Well-formed scripts, nested up to a few levels.
fn list() -> impl Strategy<Value = String> {
    let leaf = simple_command();
    leaf.prop_recursive(4, 48, 4, |inner| {
        let pipeline = (any::<bool>(), prop::collection::vec(inner.clone(), 1..3))
            .prop_map(|(negated, commands)| format!("{}{}", if negated { "! " } else { "" }, commands.join(" | ")));
        let and_or =
            prop::collection::vec((pipeline, prop_oneof![Just(" && "), Just(" || ")]), 1..3).prop_map(|parts| {
                let mut text = String::new();
                for (i, (pipeline, op)) in parts.iter().enumerate() {
                    if i > 0 {
                        text.push_str(op);
                    }
                    text.push_str(pipeline);
                }
                text
            });
        let list =
            prop::collection::vec((and_or, prop_oneof![Just("; "), Just(" & "), Just("\n")]), 1..3).prop_map(|items| {
                let mut text = String::new();
                for (i, (and_or, separator)) in items.iter().enumerate() {
                    if i > 0 {
                        text.push_str(separator);
                    }
                    text.push_str(and_or);
                }
                text
            });
        prop_oneof![
            inner.clone(),
            list.clone().prop_map(|l| format!("{{ {l}; }}")),
            list.clone().prop_map(|l| format!("( {l} )")),
            (list.clone(), list.clone(), prop::option::of(list.clone())).prop_map(|(c, b, e)| {
                match e {
                    Some(e) => format!("if {c}; then {b}; else {e}; fi"),
                    None => format!("if {c}\nthen\n{b}\nfi"),
                }
            }),
            (list.clone(), list.clone()).prop_map(|(c, b)| format!("while {c}; do {b}; done")),
            (list.clone(), list.clone()).prop_map(|(c, b)| format!("until {c}\ndo {b}\ndone > log")),
            (prop::collection::vec(word(), 0..3), list.clone())
                .prop_map(|(ws, b)| format!("for x in {}; do {b}; done", ws.join(" "))),
            (word(), list.clone(), list.clone()).prop_map(|(w, a, b)| format!("case {w} in a|b) {a};; (*) {b}\nesac")),
            list.clone().prop_map(|l| format!("f() {{ {l}; }}")),
            list.prop_map(|l| format!("echo $( {l} )")),
        ]
    })
}

/// Complete commands, one per line.
fn script() -> impl Strategy<Value = String> {
    prop::collection::vec(list(), 1..4).prop_map(|commands| commands.join("\n"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check_never_panics(&text);
    }

    #[test]
    fn shellish_text_never_panics(text in "[a-z0-9 \n\t;&|<>(){}$'\"`\\\\#=*?!:+%/-]{0,200}") {
        check_never_panics(&text);
    }

    #[test]
    fn keyword_soup_never_panics(words in prop::collection::vec(
        "(if|then|else|elif|fi|while|until|do|done|for|in|case|esac|\\{|\\}|\\(|\\)|;|;;|&&|\\|\\||\\||&|!|\n|x|\\$\\(|\\$\\(\\(|\\$\\{|`|\"|')",
        0..40,
    )) {
        check_never_panics(&words.join(" "));
    }

    #[test]
    fn generated_scripts_round_trip(script in script()) {
        prop_assert!(parse(&script).is_ok(), "{:?}: {:?}", script, parse(&script).err());
        assert_round_trip(&script);
    }
}

/// Parsing gives a tree or an error located inside the text; if it gives a
/// tree, its printed form parses to the same tree.
fn check_never_panics(text: &str) {
    match parse(text) {
        Ok(_) => assert_round_trip(text),
        Err(error) => {
            let lines = text.split('\n').count() as u32;
            assert!(error.position().line >= 1 && error.position().line <= lines, "{text:?}: {error}");
            assert!(error.reported_line() >= 1 && error.reported_line() <= lines, "{text:?}: {error}");
            assert!(!error.message().is_empty());
        }
    }
    let _ = parse_arithmetic(text);
    // The incremental parser agrees with the whole-script parser.
    let incremental: Result<Vec<List>, ParseError> = parse_commands(text).collect();
    assert_eq!(incremental.map(|commands| Program { commands }), parse(text));
}
