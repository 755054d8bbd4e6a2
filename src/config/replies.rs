//! `replies`: the reply rules of a url template or a server, each read into a
//! [`Rule`] whose code is typed from the start.

use super::*;

impl Walker<'_> {
    /// `replies`: reply rules for a url template or a server, in order, each
    /// `{ contains = "…", status = N, means = "code" }` (contains, status or both).
    pub(super) fn replies(
        &mut self,
        s: &Section<'_, '_>,
        provider: Option<Provider>,
        endpoint: Option<&Endpoint>,
        dialect: &mut Dialect,
    ) {
        let Some(v) = s.get("replies") else {
            return;
        };
        let key = s.key("replies");
        if let Some(p) = provider {
            self.problem_at(
                v.span().start,
                &key,
                format!("provider \"{p}\" has its own reply table (see `dynward providers`); replies are for url and server"),
            );
            return;
        }
        if endpoint.is_none() {
            return;
        }
        let DeValue::Array(items) = v.get_ref() else {
            self.problem_at(
                v.span().start,
                &key,
                "must be a list like [{ contains = \"OK\", means = \"good\" }]".into(),
            );
            return;
        };
        dialect.rules = items
            .iter()
            .enumerate()
            .filter_map(|(i, it)| self.reply_rule(it, &format!("{key}[{i}]")))
            .collect();
    }

    /// One reply rule, `k` its key path; every mistake in it is a problem.
    fn reply_rule(&mut self, it: &Item<'_>, k: &str) -> Option<Rule> {
        let DeValue::Table(t) = it.get_ref() else {
            self.problem_at(
                it.span().start,
                k,
                "must be a table like { contains = \"OK\", means = \"good\" }".into(),
            );
            return None;
        };
        for (name, _) in t.iter() {
            let n = name.get_ref().as_ref();
            if !["contains", "status", "means"].contains(&n) {
                self.problem_at(
                    name.span().start,
                    &format!("{k}.{n}"),
                    "unknown key; a reply rule has contains, status and means".into(),
                );
            }
        }
        let contains = t
            .get("contains")
            .and_then(|c| self.string(c, &format!("{k}.contains")).map(|x| (c, x)));
        if let Some((c, text)) = &contains
            && text.trim().is_empty()
        {
            self.problem_at(
                c.span().start,
                &format!("{k}.contains"),
                "is empty; leave it out to match on the status alone".into(),
            );
        }
        let status = t
            .get("status")
            .and_then(|c| self.rule_status(c, &format!("{k}.status")));
        if !t.contains_key("contains") && !t.contains_key("status") {
            self.problem_at(
                it.span().start,
                k,
                "needs contains, status or both: what the reply must be for the rule to apply"
                    .into(),
            );
        }
        let means = self.rule_means(t.get("means"), it, &format!("{k}.means"));
        let (means, spelled) = means.filter(|_| status.is_some() || contains.is_some())?;
        Some(Rule {
            status,
            contains: contains.map(|(_, t)| t).unwrap_or_default(),
            means,
            spelled,
        })
    }

    /// A rule's `status`: an HTTP status, 100 to 599.
    fn rule_status(&mut self, c: &Item<'_>, key: &str) -> Option<u16> {
        match c.get_ref() {
            DeValue::Integer(n) => match n.as_str().replace('_', "").parse::<u16>() {
                Ok(code) if (100..=599).contains(&code) && n.radix() == 10 => Some(code),
                _ => {
                    self.problem_at(
                        c.span().start,
                        key,
                        "must be an HTTP status, 100 to 599".into(),
                    );
                    None
                }
            },
            other => {
                self.problem_at(
                    c.span().start,
                    key,
                    format!(
                        "must be an HTTP status like 404, found {}",
                        other.type_str()
                    ),
                );
                None
            }
        }
    }

    /// A rule's `means`: a code a provider answers, with its spelling as written.
    fn rule_means(
        &mut self,
        m: Option<&Item<'_>>,
        rule: &Item<'_>,
        key: &str,
    ) -> Option<(Code, String)> {
        let Some(m) = m else {
            self.problem_at(
                rule.span().start,
                key,
                "missing; say which dyndns2 code the answer means, e.g. means = \"good\"".into(),
            );
            return None;
        };
        let text = self.string(m, key)?;
        match Code::for_rule(&text) {
            Some(code) => Some((code, text)),
            None => {
                self.problem_at(
                    m.span().start,
                    key,
                    format!("\"{text}\" is not a dyndns2 code; use a code such as good, nochg, badauth, nohost, abuse, 911 or fatal, or a wait like w5m"),
                );
                None
            }
        }
    }
}
