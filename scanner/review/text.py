"""Words on the review page, in French and English, and flags in plain words.

Reviewers are volunteers, not developers: ``low_confidence:code_postal`` must
read "Code postal : écriture peu lisible", not a code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")

_UI: dict[str, tuple[str, str]] = {
    # key: (French, English)
    "title": ("Relecture des lignes signalées", "Review of flagged rows"),
    "left": ("{n} ligne(s) à relire", "{n} row(s) left to review"),
    "done_counts": ("{a} acceptée(s), {r} rejetée(s)", "{a} accepted, {r} rejected"),
    "nav_rows": ("Ligne par ligne", "Row by row"),
    "nav_fields": ("Champ par champ", "Field by field"),
    "nav_undo": ("Annuler la dernière décision", "Undo the last decision"),
    "row_where": ("{source}, page {page}, ligne {row}", "{source}, page {page}, line {row}"),
    "confidence": ("confiance {c}", "confidence {c}"),
    "why": ("Pourquoi cette ligne est signalée", "Why this row is flagged"),
    "no_flag": ("aucun signalement", "no flag"),
    "fields": ("Valeurs lues (corrigez si besoin)", "Values read (correct them if needed)"),
    "crop_of": ("Image de la case {label}", "Image of the {label} box"),
    "no_image": ("(pas d'image)", "(no image)"),
    "accept": ("Accepter", "Accept"),
    "reject": ("Rejeter (ligne barrée, pas une signature…)", "Reject (crossed out, not a signature…)"),
    "skip": ("Passer", "Skip"),
    "decided": ("Déjà décidée : {status}.", "Already decided: {status}."),
    "reopen": ("Rouvrir cette ligne", "Reopen this row"),
    "next_row": ("Ligne suivante à relire", "Next row to review"),
    "dup_title": ("Doublon possible", "Possible duplicate"),
    "dup_this": ("Cette ligne", "This row"),
    "dup_other": ("Déjà enregistrée : {where}", "Already stored: {where}"),
    "dup_confirm": ("C'est la même personne (doublon)", "Same person (duplicate)"),
    "dup_undo": ("Personnes différentes (garder)", "Different people (keep)"),
    "dup_missing": ("La ligne d'origine n'est plus dans la base.", "The earlier row is no longer in the store."),
    "line_image": ("Image de toute la ligne", "Image of the whole line"),
    "all_done": ("Tout est relu. Vous pouvez fermer cette page et exporter :",
                 "Everything is reviewed. You can close this page and export:"),
    "keys": ("Raccourcis clavier", "Keyboard shortcuts"),
    "key_enter": ("Entrée : accepter avec les corrections et passer à la suivante",
                  "Enter: accept with the corrections and go to the next row"),
    "key_tab": ("Tab : champ suivant", "Tab: next field"),
    "key_escape": ("Échap : quitter la case ; ensuite la lettre seule suffit (R, D, S, L, Z)",
                   "Escape: leave the box; then the letter alone works (R, D, S, L, Z)"),
    "saved_accept": ("Ligne {where} acceptée.", "Row {where} accepted."),
    "saved_reject": ("Ligne {where} rejetée.", "Row {where} rejected."),
    "saved_duplicate": ("Ligne {where} marquée comme doublon.", "Row {where} marked as a duplicate."),
    "saved_not_duplicate": ("Ligne {where} gardée (pas un doublon).", "Row {where} kept (not a duplicate)."),
    "saved_reopen": ("Ligne {where} rouverte.", "Row {where} reopened."),
    "saved_correct": ("Valeur enregistrée.", "Value saved."),
    "undone": ("Décision annulée : {what}.", "Decision undone: {what}."),
    "nothing_to_undo": ("Rien à annuler.", "Nothing to undo."),
    "new_duplicate": ("Avec cette correction, la ligne ressemble à une ligne déjà enregistrée : comparez-les.",
                      "With this correction the row looks like a row already stored: please compare them."),
    "field_accepted": ("Valeur enregistrée ; la ligne est acceptée.", "Value saved; the row is accepted."),
    "conflict": ("Cette ligne a déjà été décidée (autre onglet ?) : rien n'a été écrasé.",
                 "This row was already decided (another tab?): nothing was overwritten."),
    "gone": ("Cette ligne n'existe plus.", "This row no longer exists."),
    "bad_value": ("Valeur refusée : {why}", "Value refused: {why}"),
    "fields_intro": ("Choisissez une colonne : toutes ses valeurs douteuses s'affichent ensemble.",
                     "Pick a column: all its doubtful values are shown together."),
    "fields_col": ("{label} : {n} valeur(s) douteuse(s)", "{label}: {n} doubtful value(s)"),
    "fields_none": ("Aucune valeur douteuse.", "No doubtful value."),
    "fields_help": ("Corrigez puis Entrée pour enregistrer et passer à la suivante.",
                    "Correct, then Enter to save and move to the next one."),
    "save": ("Enregistrer", "Save"),
    "whole_row": ("Voir la ligne", "See the row"),
    "next": ("Suivante", "Next"),
    "status_review": ("à relire", "to review"),
    "status_accepted": ("acceptée", "accepted"),
    "status_rejected": ("rejetée", "rejected"),
    "status_duplicate": ("doublon confirmé", "confirmed duplicate"),
    "status_clean": ("sûre", "clean"),
    "status_forgotten": ("effacée", "forgotten"),
    "lang_switch": ("English", "Français"),
    "error": ("Erreur", "Error"),
}

_FLAGS: dict[str, tuple[str, str]] = {
    "low_confidence": ("{label} : écriture peu lisible", "{label}: handwriting hard to read"),
    "invalid": ("{label} : valeur non valable", "{label}: value not valid"),
    "unsigned": ("Pas de signature dans la case", "No signature in the box"),
    "crossed_out": ("Ligne barrée sur le papier", "Line crossed out on paper"),
    "row_uncertain": ("Numéro de ligne pas sûr : vérifiez-le sur la feuille",
                      "Line number not sure: check it on the sheet"),
    "duplicate": ("Même personne qu'une ligne déjà enregistrée", "Same person as a row already stored"),
    "possible_duplicate": ("Peut-être la même personne qu'une autre ligne", "Maybe the same person as another row"),
    "maybe_forgotten": ("Peut-être une personne effacée à sa demande : si c'est elle, « petition-scan forget »",
                        "Maybe a person who asked to be forgotten: if it is them, use 'petition-scan forget'"),
}

_ACTIONS: dict[str, tuple[str, str]] = {
    "accept": ("acceptation", "accept"),
    "reject": ("rejet", "reject"),
    "correct": ("correction", "correction"),
    "duplicate": ("doublon confirmé", "duplicate confirmed"),
    "not_duplicate": ("pas un doublon", "not a duplicate"),
    "reopen": ("réouverture", "reopen"),
}


def t(key: str, lang: Lang, **values: object) -> str:
    """The UI string ``key`` in ``lang`` with ``{placeholders}`` filled."""
    fr, en = _UI[key]
    text = fr if lang == "fr" else en
    return text.format(**values) if values else text


def flag_text(flag: str, lang: Lang, labels: Mapping[str, str]) -> str:
    """A flag in plain words; an unknown flag is shown as it is rather than hidden."""
    kind, _, column = flag.partition(":")
    words = _FLAGS.get(kind)
    if words is None:
        return flag
    text = words[0] if lang == "fr" else words[1]
    return text.format(label=labels.get(column, column) if column else "")


def action_text(action: str, lang: Lang) -> str:
    words = _ACTIONS.get(action)
    return action if words is None else (words[0] if lang == "fr" else words[1])
