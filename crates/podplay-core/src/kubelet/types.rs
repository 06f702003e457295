//! The words the kubelet decides with, as types (after `core/v1/types.go`
//! and the kubelet's waiting reasons): a typo becomes a compile error, and
//! a `match` must name every case. The API keeps them as strings; these
//! convert at the edges.

use std::fmt;

/// `v1.PodPhase`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PodPhase {
    Pending,
    Running,
    Succeeded,
    Failed,
    Unknown,
}

impl PodPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            PodPhase::Pending => "Pending",
            PodPhase::Running => "Running",
            PodPhase::Succeeded => "Succeeded",
            PodPhase::Failed => "Failed",
            PodPhase::Unknown => "Unknown",
        }
    }

    /// The phase an API status carries; `None` for an empty or unknown word.
    pub fn parse(text: &str) -> Option<PodPhase> {
        [PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded, PodPhase::Failed, PodPhase::Unknown]
            .into_iter()
            .find(|p| p.as_str() == text)
    }

    /// Succeeded or Failed: nothing will run again.
    pub fn is_terminal(self) -> bool {
        matches!(self, PodPhase::Succeeded | PodPhase::Failed)
    }
}

impl fmt::Display for PodPhase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Tests and views compare a phase with the API's word.
impl PartialEq<&str> for PodPhase {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// `v1.RestartPolicy` (the Pod's; a container's `Always` makes a sidecar).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartPolicy {
    Always,
    OnFailure,
    Never,
}

impl RestartPolicy {
    /// The defaulted spec's value (`Always` when unset, as the API server
    /// defaults it).
    pub fn from_spec(value: Option<&str>) -> RestartPolicy {
        match value {
            Some("OnFailure") => RestartPolicy::OnFailure,
            Some("Never") => RestartPolicy::Never,
            _ => RestartPolicy::Always,
        }
    }

    /// Whether a container that exited with `exit_code` is started again
    /// (`ShouldContainerBeRestarted`).
    pub fn restarts(self, exit_code: i32) -> bool {
        match self {
            RestartPolicy::Always => true,
            RestartPolicy::OnFailure => exit_code != 0,
            RestartPolicy::Never => false,
        }
    }
}

/// `v1.PullPolicy`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    /// The defaulted spec's value (`IfNotPresent` when unset).
    pub fn from_spec(value: Option<&str>) -> PullPolicy {
        match value {
            Some("Always") => PullPolicy::Always,
            Some("Never") => PullPolicy::Never,
            _ => PullPolicy::IfNotPresent,
        }
    }
}

/// Why a container waits, as its status says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitingReason {
    ContainerCreating,
    PodInitializing,
    CrashLoopBackOff,
    ErrImagePull,
    ImagePullBackOff,
    ErrImageNeverPull,
    InvalidImageName,
    CreateContainerConfigError,
    CreateContainerError,
    RunContainerError,
}

impl WaitingReason {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitingReason::ContainerCreating => "ContainerCreating",
            WaitingReason::PodInitializing => "PodInitializing",
            WaitingReason::CrashLoopBackOff => "CrashLoopBackOff",
            WaitingReason::ErrImagePull => "ErrImagePull",
            WaitingReason::ImagePullBackOff => "ImagePullBackOff",
            WaitingReason::ErrImageNeverPull => "ErrImageNeverPull",
            WaitingReason::InvalidImageName => "InvalidImageName",
            WaitingReason::CreateContainerConfigError => "CreateContainerConfigError",
            WaitingReason::CreateContainerError => "CreateContainerError",
            WaitingReason::RunContainerError => "RunContainerError",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_round_trip() {
        for p in [PodPhase::Pending, PodPhase::Running, PodPhase::Succeeded, PodPhase::Failed, PodPhase::Unknown] {
            assert_eq!(PodPhase::parse(p.as_str()), Some(p));
        }
        assert_eq!(PodPhase::parse(""), None);
        assert_eq!(RestartPolicy::from_spec(None), RestartPolicy::Always);
        assert!(!RestartPolicy::from_spec(Some("OnFailure")).restarts(0));
        assert!(RestartPolicy::from_spec(Some("OnFailure")).restarts(1));
        assert_eq!(PullPolicy::from_spec(None), PullPolicy::IfNotPresent);
        assert_eq!(WaitingReason::CrashLoopBackOff.as_str(), "CrashLoopBackOff");
    }
}
