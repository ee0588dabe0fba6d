//! Step 8's `--preferred-chain NAME` (RFC 8555 §7.4.2): among the chain the
//! CA serves and the alternates it links to, the first whose topmost
//! certificate is issued by NAME, as cert-parser reads it; when none is,
//! the chain it serves, as without the option (as lego and certbot do).

use super::deadline::Deadline;
use super::retry::retry;
use crate::error::Error;
use crate::log::{clean, Log};
use crate::stages::cert_parser::CertParser;
use crate::stages::network::{Downloaded, Network};
use crate::validate::Origin;

/// The chain to go on with: `downloaded`'s own, or an alternate (each
/// downloaded in turn, until one matches `want`). An alternate that cannot
/// be downloaded or parsed is skipped with a warning; the served chain is
/// still checked as every chain is (step 9), whichever is chosen.
#[allow(clippy::too_many_arguments)]
pub(crate) fn choose(
    net: &mut Network,
    parser: &mut CertParser,
    origin: &Origin,
    deadline: &Deadline,
    log: &Log,
    downloaded: Downloaded,
    want: &str,
    now: i64,
) -> Result<Vec<u8>, Error> {
    let issuer =
        |parser: &mut CertParser, pem: &[u8]| parser.inspect(pem, now).map(|info| info.top_issuer);
    let served = issuer(parser, &downloaded.pem)?;
    if served == want {
        log.step(&format!(
            "8. the served chain is issued by {:?}",
            clean(&served)
        ));
        return Ok(downloaded.pem);
    }
    for url in &downloaded.alternates {
        let alternate = match retry(deadline, log, || net.download(url, origin)) {
            Ok(alternate) => alternate,
            Err(e) => {
                log.warn(&format!("alternate chain {}: {e}", clean(url)));
                continue;
            }
        };
        match issuer(parser, &alternate.pem) {
            Ok(name) if name == want => {
                log.step(&format!(
                    "8. alternate chain {} is issued by {:?} (--preferred-chain)",
                    clean(url),
                    clean(&name)
                ));
                return Ok(alternate.pem);
            }
            Ok(name) => log.step(&format!(
                "8. alternate chain {} is issued by {:?}",
                clean(url),
                clean(&name)
            )),
            Err(e) => log.warn(&format!("alternate chain {}: {e}", clean(url))),
        }
    }
    log.step(&format!(
        "8. no chain offered is issued by {want:?}: the served one ({:?}) is kept",
        clean(&served)
    ));
    Ok(downloaded.pem)
}
