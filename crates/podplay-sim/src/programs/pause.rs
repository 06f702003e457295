//! `/pause`: the infra container's only process. It holds the Pod's
//! namespaces open, sleeps forever, reaps orphans, and exits 0 on SIGINT or
//! SIGTERM (kubernetes `build/pause/linux/pause.c`).

use podplay_core::time::MonoDuration;

use super::{err, task};
use crate::kernel::{SIGINT, SIGTERM};
use crate::kernel::{Sys, Task};

pub fn main(sys: Sys, argv: Vec<String>) -> Task {
    task(async move {
        if argv.get(1).map(String::as_str) == Some("-v") {
            super::out(&sys, "pause.c v3.10\n");
            return 0;
        }
        if sys.getpid() != 1 {
            err(&sys, "Warning: pause should be the first process\n");
        }
        sys.catch(SIGINT);
        sys.catch(SIGTERM);
        loop {
            if let Some(sig) = sys.take_signal() {
                let name = if sig == SIGINT { "Interrupt" } else { "Terminated" };
                err(&sys, &format!("Shutting down, got signal: {name}\n"));
                return 0;
            }
            sys.sleep(MonoDuration::from_secs(86_400)).await;
        }
    })
}
