"""Server-rendered HTML of the review page (no template engine, no build step).

Every page works without JavaScript: a form posts, the server redirects to the
next row. The small script in ``static/review.js`` only adds the Alt shortcuts,
selects the doubtful value so typing replaces it, and saves field-by-field
values without reloading. Every value goes through ``html.escape``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from html import escape
from urllib.parse import quote, urlencode

from scanner.review.data import ColumnDoubts, Counts, FieldItem, FieldView, RowView
from scanner.review.text import Lang, flag_text, t
from scanner.safetext import shown


@dataclass(frozen=True)
class Chrome:
    """What every page shows around its content."""

    lang: Lang
    csrf: str
    counts: Counts
    labels: Mapping[str, str]
    can_undo: bool
    mode: str = "row"  #: "row" or "fields": which navigation link is current
    message: str = ""
    message_kind: str = "info"  #: info, ok, warn, error


def _kbd(keys: str) -> str:
    return f' <kbd aria-hidden="true">{escape(keys)}</kbd>'


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def layout(chrome: Chrome, title: str, body: str) -> str:
    lang = chrome.lang
    counts = chrome.counts
    current = {"row": "", "fields": ""}
    current[chrome.mode] = ' aria-current="page"'
    other = "en" if lang == "fr" else "fr"
    undo = (
        f'<form method="post" action="/undo" class="inline">{_hidden("csrf", chrome.csrf)}'
        f'<button type="submit" data-key="KeyZ" aria-keyshortcuts="Alt+Z"'
        f'{"" if chrome.can_undo else " disabled"}>{escape(t("nav_undo", lang))}{_kbd("Alt+Z")}</button></form>'
    )
    message = ""
    if chrome.message:
        role = "alert" if chrome.message_kind in ("warn", "error") else "status"
        message = f'<p class="msg msg-{chrome.message_kind}" role="{role}">{escape(chrome.message)}</p>'
    return (
        "<!doctype html>\n"
        f'<html lang="{lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · petition-scan</title>"
        '<link rel="stylesheet" href="/static/review.css">'
        '<script src="/static/review.js" defer></script></head><body>'
        f'<a class="skiplink" href="#main">{"Aller au contenu" if lang == "fr" else "Skip to content"}</a>'
        '<header class="top">'
        f'<p class="brand">petition-scan · {escape(t("title", lang))}</p>'
        '<p class="counter" id="counter" aria-live="polite">'
        f'<strong>{escape(t("left", lang, n=counts.review))}</strong>'
        f' <span class="muted">· {escape(t("done_counts", lang, a=counts.accepted, r=counts.rejected))}</span></p>'
        f'<nav aria-label="{escape(t("title", lang))}">'
        f'<a href="/next"{current["row"]}>{escape(t("nav_rows", lang))}</a>'
        f'<a href="/fields"{current["fields"]}>{escape(t("nav_fields", lang))}</a>'
        f"{undo}"
        f'<a href="/lang?to={other}" lang="{other}">{escape(t("lang_switch", lang))}</a>'
        "</nav></header>"
        f'<main id="main" tabindex="-1">{message}{body}</main></body></html>'
    )


def _flags_list(flags: tuple[str, ...], chrome: Chrome, id_: str) -> str:
    lang = chrome.lang
    if not flags:
        return f'<p id="{id_}" class="muted">{escape(t("no_flag", lang))}</p>'
    items = "".join(f"<li>{escape(flag_text(f, lang, chrome.labels))}</li>" for f in flags)
    return f'<ul id="{id_}" class="flags">{items}</ul>'


def _crop(row_id: int, f: FieldView, lang: Lang) -> str:
    if not f.has_crop:
        return f'<span class="crop none">{escape(t("no_image", lang))}</span>'
    alt = t("crop_of", lang, label=f.label)
    src = f"/img/crop/{row_id}/{quote(f.column)}"
    return f'<img class="crop" src="{src}" alt="{escape(alt)}" loading="lazy">'


def _input(f: FieldView, name: str, id_: str, value: str, *, focus: bool, invalid: bool) -> str:
    described = f' aria-describedby="{id_}-why"' if f.flags else ""
    extra = (' autofocus data-select="1"' if focus else "") + (' aria-invalid="true"' if invalid else "")
    if f.boolean:
        checked = " checked" if value == "true" else ""
        return (
            f'{_hidden("b." + f.column, "1") if name.startswith("v.") else ""}'
            f'<input type="checkbox" id="{id_}" name="{escape(name)}" value="true"{checked}{described}{extra}>'
        )
    # type="text" even for e-mails: the browser must not refuse to submit a value it dislikes.
    mode = {"email": ' inputmode="email"', "postcode": ' inputmode="numeric"', "phone": ' inputmode="tel"'}.get(
        f.kind.value, ""
    )
    return (
        f'<input type="text" id="{id_}" name="{escape(name)}" value="{escape(value)}" autocomplete="off"'
        f' spellcheck="false"{mode}{described}{extra}>'
    )


def _field_row(view: RowView, f: FieldView, chrome: Chrome, value: str, *, focus: bool, invalid: bool) -> str:
    id_ = f"v-{view.id}-{f.column}"
    why = ""
    if f.flags:
        words = "; ".join(flag_text(x, chrome.lang, chrome.labels) for x in f.flags)
        why = f'<span class="why" id="{id_}-why">{escape(words)}</span>'
    cls = "field" + (" doubt" if f.doubtful else "") + (" checked" if f.checked else "")
    return (
        f'<div class="{cls}"><label for="{id_}">{escape(f.label)}</label>{_crop(view.id, f, chrome.lang)}'
        f'<span class="value">{_input(f, "v." + f.column, id_, value, focus=focus, invalid=invalid)}</span>'
        f"{why}</div>"
    )


def _duplicate_panel(view: RowView, chrome: Chrome) -> str:
    lang = chrome.lang
    other = view.candidate
    head = f'<section class="dup" aria-labelledby="dup-h"><h3 id="dup-h">{escape(t("dup_title", lang))}</h3>'
    if other is None:
        where = shown(view.duplicate_of) or "?"
        return head + f"<p>{escape(t('dup_other', lang, where=where))}. {escape(t('dup_missing', lang))}</p></section>"
    rows = []
    for f in view.fields:
        o = other.field(f.column)
        if f.boolean:
            continue
        ov = o.value if o else ""
        differs = " differs" if ov.strip().casefold() != f.value.strip().casefold() else ""
        other_cell = (_crop(other.id, o, lang) if o else "") + f'<span class="v">{escape(ov)}</span>'
        rows.append(
            f'<tr class="{differs.strip()}"><th scope="row">{escape(f.label)}</th>'
            f'<td>{_crop(view.id, f, lang)}<span class="v">{escape(f.value)}</span></td><td>{other_cell}</td></tr>'
        )
    return (
        head + '<table class="side"><thead><tr><td></td>'
        f'<th scope="col">{escape(t("dup_this", lang))} ({escape(view.where())})</th>'
        f'<th scope="col">{escape(t("dup_other", lang, where=other.where()))}</th></tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></section>"
    )


def row_page(
    view: RowView,
    chrome: Chrome,
    *,
    typed: Mapping[str, str] | None = None,
    invalid_column: str = "",
) -> str:
    """One flagged row: crops next to editable values, its flags, the duplicate, the actions."""
    lang = chrome.lang
    typed = typed or {}
    decided = not view.pending
    where = t("row_where", lang, source=shown(view.source), page=view.page, row=view.row)
    conf = t("confidence", lang, c=f"{view.confidence:.2f}")
    focus_col = invalid_column or next((f.column for f in view.fields if f.doubtful and not f.boolean), "")
    if not focus_col:
        focus_col = next((f.column for f in view.fields if not f.boolean), "")
    fields = "".join(
        _field_row(view, f, chrome, typed.get(f.column, f.value), focus=f.column == focus_col,
                   invalid=f.column == invalid_column)
        for f in view.fields
    )
    actions: list[str] = []
    if not decided:
        accept_label = t("accept", lang) + (f" · {t('dup_undo', lang)}" if view.dup_flag else "")
        actions.append(
            f'<button type="submit" name="choice" value="accept" class="primary" aria-keyshortcuts="Enter">'
            f"{escape(accept_label)}{_kbd('Entrée' if lang == 'fr' else 'Enter')}</button>"
        )
        if view.dup_flag:
            actions.append(
                f'<button type="submit" name="choice" value="duplicate" data-key="KeyD" aria-keyshortcuts="Alt+D">'
                f"{escape(t('dup_confirm', lang))}{_kbd('Alt+D')}</button>"
            )
        actions.append(
            f'<button type="submit" name="choice" value="reject" class="danger" data-key="KeyR"'
            f' aria-keyshortcuts="Alt+R">{escape(t("reject", lang))}{_kbd("Alt+R")}</button>'
        )
        actions.append(
            f'<a class="button" href="/next?after={view.id}" data-key="KeyS" aria-keyshortcuts="Alt+S">'
            f"{escape(t('skip', lang))}{_kbd('Alt+S')}</a>"
        )
    else:
        status = "status_duplicate" if view.dup_override == "duplicate" else "status_" + view.status.value
        actions.append(f'<p class="decided">{escape(t("decided", lang, status=t(status, lang)))}</p>')
        actions.append(
            f'<button type="submit" name="choice" value="reopen" data-key="KeyO" aria-keyshortcuts="Alt+O">'
            f"{escape(t('reopen', lang))}{_kbd('Alt+O')}</button>"
            f'<a class="button" href="/next">{escape(t("next_row", lang))}</a>'
        )
    line = ""
    if view.has_line:
        alt = t("line_image", lang)
        line = (
            f'<details class="line"><summary data-key="KeyL" aria-keyshortcuts="Alt+L">{escape(alt)}{_kbd("Alt+L")}'
            f'</summary><img src="/img/line/{view.id}" alt="{escape(alt)}" loading="lazy"></details>'
        )
    dup = _duplicate_panel(view, chrome) if view.dup_flag else ""
    body = (
        f'<form method="post" action="/row/{view.id}" class="card" id="rowform" novalidate aria-labelledby="row-h">'
        f'{_hidden("csrf", chrome.csrf)}{_hidden("version", view.version)}'
        f'<div class="rowhead"><h1 id="row-h">{escape(where)} <span class="conf">{escape(conf)}</span></h1>'
        f'<section class="why" aria-labelledby="why-h"><h2 id="why-h" class="visually-hidden">{escape(t("why", lang))}'
        f"</h2>{_flags_list(view.flags, chrome, 'why-list')}</section></div>{dup}"
        f'<fieldset class="fields"{" disabled" if decided else ""}><legend>{escape(t("fields", lang))}</legend>'
        f'<div class="grid">{fields}</div></fieldset>'
        f'<div class="actions">{"".join(actions)}</div>{line}</form>'
        f'<section class="help" aria-labelledby="keys-h"><h2 id="keys-h" class="small">{escape(t("keys", lang))}</h2>'
        f"<ul><li>{escape(t('key_enter', lang))}</li><li>{escape(t('key_tab', lang))}</li>"
        f"<li>Alt+R : {escape(t('reject', lang))}</li><li>Alt+D : {escape(t('dup_confirm', lang))}</li>"
        f"<li>Alt+S : {escape(t('skip', lang))}</li><li>Alt+L : {escape(t('line_image', lang))}</li>"
        f"<li>Alt+Z : {escape(t('nav_undo', lang))}</li><li>{escape(t('key_escape', lang))}</li></ul></section>"
    )
    return layout(chrome, where, body)


def done_page(chrome: Chrome, store_hint: str) -> str:
    lang = chrome.lang
    body = (
        f'<section class="card"><h1>{escape(t("left", lang, n=0))}</h1>'
        f"<p>{escape(t('all_done', lang))}</p><pre><code>{escape(store_hint)}</code></pre></section>"
    )
    return layout(chrome, t("title", lang), body)


def fields_index(chrome: Chrome, columns: list[ColumnDoubts]) -> str:
    lang = chrome.lang
    if not columns:
        items = f"<p>{escape(t('fields_none', lang))}</p>"
    else:
        items = "<ul class=\"columns\">" + "".join(
            f'<li><a href="/fields?{urlencode({"column": c.column})}">'
            f"{escape(t('fields_col', lang, label=c.label, n=c.count))}</a></li>"
            for c in columns
        ) + "</ul>"
    body = (
        f'<section class="card"><h1>{escape(t("nav_fields", lang))}</h1>'
        f"<p>{escape(t('fields_intro', lang))}</p>{items}</section>"
    )
    return layout(chrome, t("nav_fields", lang), body)


def fields_page(
    chrome: Chrome, column: ColumnDoubts | None, column_name: str, items: list[FieldItem], after: int | None
) -> str:
    """All doubtful values of one column, each with its crop, editable in place."""
    lang = chrome.lang
    label = column.label if column else column_name
    count = column.count if column else 0
    lis = []
    for item in items:
        f = item.field
        id_ = f"f-{item.row_id}-{f.column}"
        why = "; ".join(flag_text(x, lang, chrome.labels) for x in f.flags)
        back = "" if after is None else str(after)
        lis.append(
            f'<li><form method="post" action="/field/{item.row_id}/{quote(f.column)}" class="fitem"'
            ' data-async="1" novalidate>'
            f'{_hidden("csrf", chrome.csrf)}{_hidden("version", item.version)}{_hidden("after", back)}'
            f'<label for="{id_}"><span class="visually-hidden">{escape(label)}, </span>{escape(item.where())}</label>'
            f"{_crop(item.row_id, f, lang)}"
            f'<span class="value">{_input(f, "value", id_, f.value, focus=False, invalid=False)}</span>'
            f'<span class="why" id="{id_}-why">{escape(why)}</span>'
            f'<button type="submit">{escape(t("save", lang))}</button>'
            f'<a href="/row/{item.row_id}">{escape(t("whole_row", lang))}</a>'
            f'<span class="state" role="status"></span></form></li>'
        )
    more = ""
    if items:
        query = urlencode({"column": column_name, "after": items[-1].row_id})
        more = f'<p class="more"><a class="button" href="/fields?{query}">{escape(t("next", lang))}</a></p>'

    listing = f'<ol class="fieldlist">{"".join(lis)}</ol>' if lis else f"<p>{escape(t('fields_none', lang))}</p>"
    body = (
        f'<section class="card"><h1>{escape(t("fields_col", lang, label=label, n=count))}</h1>'
        f"<p>{escape(t('fields_help', lang))}</p>{listing}{more}</section>"
    )
    return layout(replace(chrome, mode="fields"), label, body)


def error_page(status: int, reason: str, lang: Lang = "fr") -> str:
    """A plain page for refused or unknown requests (no personal data)."""
    return (
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{status}</title>'
        '<link rel="stylesheet" href="/static/review.css"></head><body><main id="main" class="card">'
        f"<h1>{escape(t('error', lang))} {status}</h1><p>{escape(reason)}</p></main></body></html>"
    )
