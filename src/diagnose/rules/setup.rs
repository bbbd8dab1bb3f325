//! Rules about how a mailbox is set up: an address that is not a mailbox, a
//! profile of the wrong kind, a missing license. None of these clear by
//! waiting; each names what to change.

use crate::kb::{Direction, KnowledgeBase};
use crate::model::Transient;

use super::super::root::Verdict;
use super::super::signals::contains_ci;
use super::super::tally::Bucket;
use super::{
    Claim, Group, LICENSE_WORDS, Phrase, SEND_ONLY, claim, first_profile, is, on_premises_profile,
    online_profile, steps,
};
use crate::model::Confidence;

/// Receive fails with ErrorNonExistentMailbox and send with "SendOnly cannot be
/// used by a user without a mailbox": the address leads to no mailbox. Three
/// causes produce the pair; the profile name and any group wording tell which
/// to check first.
pub(super) fn not_a_mailbox(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
    let missing =
        g.indices(|b| is(b, "ErrorNonExistentMailbox") && b.traits.direction != Some(Direction::Send));
    let invalid = g.indices(|b| is(b, "ErrorInvalidOperation"));
    let send_only = g.pick(&invalid).any(|b| b.traits.flags.has(Phrase::SendOnly));
    let sending = g.pick(&invalid).any(|b| b.traits.direction == Some(Direction::Send));
    if missing.is_empty() || !(send_only || sending) {
        return None;
    }
    let receiving = g.pick(&missing).any(|b| b.traits.direction == Some(Direction::Receive));
    let mut evidence = vec![if receiving {
        "ErrorNonExistentMailbox when receiving email".to_owned()
    } else {
        "ErrorNonExistentMailbox: Exchange found no mailbox for the address".to_owned()
    }];
    evidence.push(if send_only {
        format!("message mentions \"{SEND_ONLY}\"")
    } else {
        "ErrorInvalidOperation when sending email".to_owned()
    });
    if let Some(m) = g.mailbox {
        evidence.push(format!("both for the mailbox \"{m}\""));
    }
    let mut taken = [missing, invalid].concat();
    taken.sort_unstable();
    let profile = first_profile(g.pick(&taken));
    let group_words = g.buckets.iter().any(|b| b.traits.flags.has(Phrase::DistributionGroup));
    let check = "Look the address up in Exchange: Get-Recipient <address> | ft Name,RecipientTypeDetails,PrimarySmtpAddress. What it shows tells the three causes apart.";
    let on_prem = "If Exchange Online shows a MailUser, the mailbox lives on-premises: create an Exchange Server (Hybrid) email server profile for the on-premises EWS endpoint and set it on this mailbox record (or move the mailbox to Exchange Online).";
    let group = "If it shows a distribution group or a contact, nothing can be stored or sent there: give the user or queue a real mailbox address (a shared mailbox suits a queue).";
    let wrong = "If nothing has that address, the record is wrong: correct the email address on the user or queue record to the mailbox's primary SMTP address.";
    let retest = "Run Test & Enable Mailbox on the record.";
    let (likely, order) = match profile {
        Some(p) if online_profile(p) => {
            evidence.push(format!(
                "profile \"{p}\" is an Exchange Online profile: check for an on-premises mailbox first"
            ));
            ("an on-premises mailbox on an Exchange Online profile", [on_prem, group, wrong])
        }
        _ if group_words => {
            evidence.push("a message mentions a distribution group".to_owned());
            ("a distribution group", [group, wrong, on_prem])
        }
        _ => ("a wrong address on the mailbox record", [wrong, group, on_prem]),
    };
    evidence.push(format!("most likely {likely}"));
    let mut fix = vec![check.to_owned()];
    fix.extend(order.iter().map(|s| (*s).to_owned()));
    fix.push(retest.to_owned());
    claim(
        taken,
        Verdict {
            id: "not-a-mailbox".to_owned(),
            title: "The mailbox's address leads to no mailbox in Exchange".to_owned(),
            kb_code: Some("ErrorNonExistentMailbox".to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix,
        },
    )
}

/// HTTP 401 for a mailbox whose profile is named for Exchange Server or Hybrid:
/// the usual reason is a mailbox that has moved to Exchange Online.
pub(super) fn hybrid_profile_401(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
    let taken = g.indices(|b| b.traits.http == Some(401) || is(b, "Unauthorized"));
    if taken.is_empty() {
        return None;
    }
    let profile = first_profile(g.pick(&taken))
        .or_else(|| first_profile(g.buckets.iter().copied()))
        .filter(|p| on_premises_profile(p))?;
    let hybrid = contains_ci(profile, "hybrid");
    let mut evidence = vec![
        "HTTP 401 Unauthorized".to_owned(),
        format!("profile \"{profile}\" is named as an on-premises or Hybrid profile"),
    ];
    let cloud = g.buckets.iter().any(|b| b.traits.flags.has(Phrase::Cloud));
    if cloud {
        evidence.push("the request went to Exchange Online".to_owned());
    }
    claim(
        taken,
        Verdict {
            id: "hybrid-profile-for-online-mailbox".to_owned(),
            title: "An Exchange Server (Hybrid) profile is used for a mailbox that is in Exchange Online"
                .to_owned(),
            kb_code: Some("Unauthorized".to_owned()),
            transient: Transient::No,
            confidence: if hybrid { Confidence::High } else { Confidence::Medium },
            evidence,
            fix: steps(&[
                "Confirm the mailbox is in Exchange Online: Get-Mailbox <address> in Exchange Online PowerShell returns it.",
                "Set the mailbox record's Server Profile to the Microsoft Exchange Online profile (Settings > Email Configuration > Mailboxes).",
                "If the mailbox really is on-premises, the 401 has another cause: check the profile's credentials and the authentication methods of the EWS virtual directory.",
                "Run Test & Enable Mailbox.",
            ]),
        },
    )
}

/// ErrorInvalidLicense, on its own or inside ErrorInternalServerError: a
/// licensing matter, whatever the outer code suggests.
pub(super) fn invalid_license(g: &Group<'_>, _kb: &KnowledgeBase) -> Option<Claim> {
    const CODE: &str = "ErrorInvalidLicense";
    let carries = |c: Option<&str>| c.is_some_and(|c| c.eq_ignore_ascii_case(CODE));
    // A message saying the license is missing tells the same story under
    // any code (ErrorInternalServerError often carries it alone).
    let says =
        |b: &Bucket| b.traits.flags.has(Phrase::NoValidLicense) || b.traits.flags.has(Phrase::InvalidLicense);
    let taken =
        g.indices(|b| carries(Some(&b.traits.code)) || carries(b.traits.inner_code.as_deref()) || says(b));
    if taken.is_empty() {
        return None;
    }
    let mut evidence = Vec::new();
    if let Some(outer) =
        g.pick(&taken).find(|b| carries(b.traits.inner_code.as_deref()) && !carries(Some(&b.traits.code)))
    {
        evidence.push(format!(
            "{} carries inner code {CODE}: the outer error is only a wrapper",
            outer.traits.code
        ));
    } else {
        evidence.push(format!("{CODE} reported directly"));
    }
    let said = g.pick(&taken).find_map(|b| {
        let flags = b.traits.flags;
        [(Phrase::NoValidLicense, LICENSE_WORDS[0]), (Phrase::InvalidLicense, LICENSE_WORDS[1])]
            .into_iter()
            .find_map(|(phrase, words)| flags.has(phrase).then_some(words))
    });
    if let Some(words) = said {
        evidence.push(format!("message mentions \"{words}\""));
    }
    claim(
        taken,
        Verdict {
            id: "no-exchange-online-license".to_owned(),
            title: "The mailbox has no Exchange Online license; this is not a server fault".to_owned(),
            kb_code: Some(CODE.to_owned()),
            transient: Transient::No,
            confidence: Confidence::High,
            evidence,
            fix: steps(&[
                "In the Microsoft 365 admin center, assign the user a license that includes Exchange Online, with the Exchange Online service plan switched on.",
                "If the mailbox only serves a queue, convert it to a shared mailbox instead (Set-Mailbox <address> -Type Shared); it needs no license.",
                "Once the license has applied, run Test & Enable Mailbox.",
            ]),
        },
    )
}
