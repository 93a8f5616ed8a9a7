"""Bounce qualification accuracy, held at its measured floor so that it cannot regress.

The rules are the shipped ruleset (written from RFC 3463 status codes and common MTA
phrasing, never per message). Measured (pytest tests/deliverability/test_corpus.py -s):
- 180 real bounce messages of 47 mail-server families: type 172 (95.6 %), reason strict
  161 (89.4 %), lenient 175 (97.2 %);
- 78 SMTP diagnostic strings of the same corpus: type 77, reason 75;
- 48 held-out replies written from Gmail, Microsoft 365, Yahoo, Postfix, Exim, Sendmail
  and qmail phrasing before the measure: type 48, reason 44.
"""

from .accuracy import CORPUS, DATA, corpus_score, shipped_qualifier, strings_score

CORPUS_FLOOR = {"type_right": 172, "reason_strict": 161, "reason_lenient": 175}
STRINGS_FLOOR = {"type_right": 77, "reason_strict": 75}
HELD_OUT_FLOOR = {"type_right": 48, "reason_strict": 44}


def test_the_corpus_is_copied_with_its_licences_and_readme():
    assert len(list((CORPUS / "messages").glob("*.eml"))) == 180
    for name in ("LICENSE-go-sisimai.txt", "LICENSE-sisimai-set-of-emails.txt", "README.md", "expected.json"):
        assert (CORPUS / name).is_file()


def test_bounce_messages_are_qualified_at_least_as_well_as_measured():
    score = corpus_score()
    print(score.line("bounce corpus"))
    for name, *answer in score.misses:
        print("  miss", name, answer)
    assert score.total == 180
    for figure, floor in CORPUS_FLOOR.items():
        assert getattr(score, figure) >= floor, score.line("bounce corpus")
    # The targets, with margin.
    assert score.type_right / score.total >= 0.90
    assert score.reason_lenient / score.total >= 0.85


def test_smtp_strings_are_qualified_at_least_as_well_as_measured():
    score = strings_score(CORPUS / "smtp_strings.json")
    print(score.line("SMTP strings"))
    for figure, floor in STRINGS_FLOOR.items():
        assert getattr(score, figure) >= floor, score.line("SMTP strings")


def test_replies_of_servers_outside_the_corpus_are_qualified_as_well():
    score = strings_score(DATA / "heldout_replies.json", key="replies")
    print(score.line("held-out replies"))
    for figure, floor in HELD_OUT_FLOOR.items():
        assert getattr(score, figure) >= floor, score.line("held-out replies")


def test_no_rule_names_a_message_of_the_corpus():
    """Rules generalise: no pattern quotes an address, a host or a queue id of a sample."""
    qualifier = shipped_qualifier()
    for rule, _compiled in qualifier.rules:
        for word in ("example", "sisimai", "kijitora", "neko", "nyaan", "@"):
            assert word not in rule.pattern.lower(), (rule.key, word)
