//! The story as a learner reads it: a loop's periodic steps (a line
//! appended every second, a page fetched, `sleep 1` started and ended)
//! folded into one line that says how often it happened.

use std::collections::BTreeMap;

use super::{Actor, Step, StepKind};

/// One line of the folded story: a step, and the later steps of the same
/// shape it stands for (indices into the steps folded).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Told {
    pub step: usize,
    pub repeats: Vec<usize>,
}

impl Told {
    /// How many times it happened.
    pub fn times(&self) -> usize {
        1 + self.repeats.len()
    }

    /// The index of the latest time.
    pub fn last(&self) -> usize {
        self.repeats.last().copied().unwrap_or(self.step)
    }
}

/// Whether a step is what a loop repeats: data moved (file, request,
/// shipping) or a container's short-lived child process.
fn periodic(step: &Step) -> bool {
    match step.kind {
        StepKind::FileWrite | StepKind::FileRead | StepKind::Connect | StepKind::Http | StepKind::Ship => true,
        StepKind::Process => matches!(step.actor, Actor::Container(_)),
        _ => false,
    }
}

/// What makes two steps the same thing happening again: the actor, the
/// kind, and the words, but for the numbers that change each time the same
/// thing happens: a PID (after "PID" or "process") and a byte count (before
/// "bytes"). An exit status, an HTTP code, a port or an argument stays: a
/// `sleep 2` exiting 0 and a shell exiting 1 are different things. One
/// string, as a map keyed by strings is already in the playground's code.
fn shape(step: &Step) -> String {
    let mut shape = format!("{}\u{0}{:?}\u{0}", step.actor.label(), step.kind);
    let words: Vec<&str> = step.text.split(' ').collect();
    for (i, word) in words.iter().enumerate() {
        let number = word.trim_end_matches([')', ',', ';', ':']);
        let counted = !number.is_empty()
            && number.bytes().all(|b| b.is_ascii_digit())
            && (i.checked_sub(1).and_then(|p| words.get(p)).is_some_and(|p| matches!(*p, "PID" | "(PID" | "process"))
                || words.get(i + 1).is_some_and(|n| n.starts_with("bytes")));
        shape.push_str(if counted { "#" } else { word });
        shape.push(' ');
    }
    shape
}

/// Folds `steps` (in time order): a periodic step joins the line of the
/// last step of its shape, as long as nothing else (an event, a status
/// change, a kill) happened since that line began; the line stays where
/// the first one happened. Other steps are lines of their own.
///
/// Folding a prefix of the steps gives the lines of the whole, cut at the
/// prefix: the story at an instant is the same story, told so far.
pub fn fold(steps: &[Step]) -> Vec<Told> {
    let mut told: Vec<Told> = Vec::new();
    // The lines of the current quiet stretch, by shape.
    let mut open: BTreeMap<String, usize> = BTreeMap::new();
    for (i, step) in steps.iter().enumerate() {
        if !periodic(step) {
            open.clear();
            told.push(Told { step: i, repeats: Vec::new() });
            continue;
        }
        let shape = shape(step);
        match open.get(&shape) {
            Some(&line) => told[line].repeats.push(i),
            None => {
                open.insert(shape, told.len());
                told.push(Told { step: i, repeats: Vec::new() });
            }
        }
    }
    told
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::MonoTime;

    fn step(at: u64, actor: &str, kind: StepKind, text: &str) -> Step {
        let actor = match actor {
            "kubelet" => Actor::Kubelet,
            name => Actor::Container(name.into()),
        };
        Step { at: MonoTime(at), actor, kind, text: text.into(), flow: None, zh: None }
    }

    fn loop_of(seconds: u64) -> Vec<Step> {
        let mut steps = vec![step(0, "kubelet", StepKind::Event, "Normal Started")];
        for s in 1..=seconds {
            steps.push(step(
                s * 1000,
                "app",
                StepKind::FileWrite,
                &format!("app wrote {} bytes to /var/log/app.log", 40 + s),
            ));
            steps.push(step(s * 1000, "app", StepKind::Process, &format!("process sleep 1 started (PID {})", 20 + s)));
            steps.push(step(s * 1000 + 50, "shipper", StepKind::FileRead, "shipper read 41 bytes"));
        }
        steps
    }

    #[test]
    fn a_loop_folds_into_one_line_per_thing_it_does() {
        let steps = loop_of(30);
        let told = fold(&steps);
        let shown: Vec<(usize, usize)> = told.iter().map(|t| (t.step, t.times())).collect();
        assert_eq!(shown, vec![(0, 1), (1, 30), (2, 30), (3, 30)]);
        assert_eq!(told[1].last(), 88, "the 30th write is step 88");
    }

    #[test]
    fn another_kind_of_step_ends_the_fold() {
        let mut steps = loop_of(2);
        steps.push(step(9000, "kubelet", StepKind::Event, "Normal Killing"));
        steps.push(step(9500, "app", StepKind::FileWrite, "app wrote 43 bytes to /var/log/app.log"));
        let told = fold(&steps);
        assert_eq!(told.iter().map(Told::times).collect::<Vec<_>>(), vec![1, 2, 2, 2, 1, 1]);
    }

    #[test]
    fn a_prefix_folds_into_the_whole_cut_at_the_prefix() {
        let steps = loop_of(10);
        let whole = fold(&steps);
        for n in 0..=steps.len() {
            let cut: Vec<Told> = whole
                .iter()
                .filter(|t| t.step < n)
                .map(|t| Told { step: t.step, repeats: t.repeats.iter().copied().filter(|&r| r < n).collect() })
                .collect();
            assert_eq!(fold(&steps[..n]), cut, "prefix of {n}");
        }
    }

    #[test]
    fn an_exit_status_or_an_argument_is_not_folded_away() {
        let steps = vec![
            step(0, "a", StepKind::Process, "process 7 exited with status 0"),
            step(1, "a", StepKind::Process, "process 8 exited with status 0"),
            step(2, "a", StepKind::Process, "process 9 exited with status 1"),
            step(3, "a", StepKind::Process, "process sleep 1 started (PID 10 on the node)"),
            step(4, "a", StepKind::Process, "process sleep 30 started (PID 11 on the node)"),
        ];
        assert_eq!(fold(&steps).iter().map(Told::times).collect::<Vec<_>>(), vec![2, 1, 1, 1]);
    }

    #[test]
    fn different_actors_or_words_do_not_fold() {
        let steps = vec![
            step(0, "a", StepKind::FileWrite, "a wrote 1 bytes to /x"),
            step(1, "b", StepKind::FileWrite, "b wrote 1 bytes to /x"),
            step(2, "a", StepKind::FileWrite, "a wrote 1 bytes to /y"),
        ];
        assert!(fold(&steps).iter().all(|t| t.times() == 1));
    }
}
