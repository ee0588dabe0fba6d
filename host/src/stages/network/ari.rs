//! The network stage's renewal information (RFC 9773), checked before the
//! host decides with it (flows/ari.rs).

use super::{wit, Network};
use crate::error::Error;
use crate::flows::retry::Failed;
use crate::stage::Stage;

pub use wit::RenewalWindow;

impl Network {
    /// The renewal window of the certificate `id` identifies: it must end
    /// after it starts, and its explanation URL be free of control
    /// characters (it is printed).
    pub fn renewal_info(&mut self, id: &str) -> Result<RenewalWindow, Failed> {
        let step = "renewal information";
        let window = self.net_call(step, |b, s| {
            b.acmebox_stages_acme().call_renewal_info(s, id)
        })?;
        let refused = |message: String| -> Failed {
            Error::Rejected {
                stage: Stage::Network,
                step,
                message,
            }
            .into()
        };
        if window.end <= window.start {
            return Err(refused(format!(
                "a window from {} to {}, which ends before it starts",
                window.start, window.end
            )));
        }
        if (window.explanation_url.iter())
            .any(|u| u.chars().any(char::is_control) || u.len() > 2048)
        {
            return Err(refused(
                "an explanation URL with a control character, or longer than 2048 bytes".into(),
            ));
        }
        Ok(window)
    }
}
