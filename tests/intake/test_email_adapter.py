"""Reading raw e-mail: the sender, subject and text of real-world shaped messages, in any
charset, with quotes and signatures left out of the comment. Pure: no database."""

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from galena.intake.adapters.email import (
    Attachment,
    html_to_text,
    idempotency_key_of,
    raw_as_text,
    raw_from_text,
    read_message,
    strip_quotes_and_signature,
    without_attachment_contents,
)

EMAILS = Path(__file__).parent / "emails"


def fixture(name: str) -> bytes:
    return (EMAILS / name).read_bytes()


def test_multipart_alternative_takes_the_plain_text_part():
    message = read_message(fixture("multipart_alternative.eml"))

    assert (message.sender_name, message.sender_address) == ("Ana Marin", "ana.marin@gmail.com")
    assert message.subject == "Cerere ofertă panouri solare"
    assert message.message_id == "CAF7x9Qm2Lp+3kR0vYt=Zp8nN1w@mail.gmail.com"
    assert message.date == "2026-03-03T19:13:52+02:00"
    assert message.to == ["vanzari@solaris.ro"]
    assert message.body == (
        "Bună ziua,\n\n"
        "Aș dori o ofertă pentru panouri solare de 10 kW pentru o casă în Cluj.\n"
        "Mă puteți suna la 0722 123 456.\n\n"
        "Mulțumesc,\nAna"
    )
    assert message.attachments == []


def test_html_only_message_becomes_text_without_tags_scripts_or_styles():
    message = read_message(fixture("html_only.eml"))

    assert message.sender_name == "Virtanen, Pekka"
    assert message.sender_address == "Pekka.Virtanen@Virtanen.fi"
    assert message.body == (
        "Hello,\n"
        "We’re looking for a quote on 40 office chairs & 10 desks – delivery to Espoo.\n"
        "- Budget: €12 000\n"
        "- Deadline: May\n"
        "Regards,\nPekka Virtanen\nVirtanen Oy"
    )
    assert "alert" not in message.body
    assert "margin" not in message.body


def test_windows_1251_eight_bit_body_and_encoded_headers_are_decoded():
    message = read_message(fixture("cyrillic_windows1251.eml"))

    assert message.sender_name == "Иван Петров"
    assert message.subject == "Запрос цены на станок"
    assert "Нас интересует доставка в Кишинёв." in message.body
    # the signature after "-- " is in the body but not in the comment
    assert "ООО «Металл»" in message.body
    assert message.comment == (
        "Здравствуйте!\n\nПрошу прислать прайс-лист на токарные станки.\n"
        "Нас интересует доставка в Кишинёв."
    )


def test_koi8_r_base64_body_and_q_encoded_subject_are_decoded():
    message = read_message(fixture("cyrillic_koi8r.eml"))

    assert message.sender_name == "Ольга Смирнова"
    assert message.subject == "Заявка на кредит"
    assert message.body == (
        "Добрый день.\nХочу оформить ипотеку на 2 500 000 рублей.\n"
        "Перезвоните, пожалуйста, после 18:00."
    )


def test_quoted_printable_romanian_in_iso_8859_2_keeps_its_diacritics():
    message = read_message(fixture("romanian_qp.eml"))

    assert message.sender_name == "Ştefan Ţurcanu"
    assert message.subject == "Ofertă încălzire"
    assert "încălzire în pardoseală, 120 mp, Timişoara." in message.body


def test_a_reply_keeps_only_the_new_text_in_the_comment():
    message = read_message(fixture("reply_known.eml"))

    assert message.in_reply_to == "offer-2026-0412@solaris.ro"
    assert message.comment == "Mulțumesc pentru ofertă. Putem discuta mâine la ora 10?\n\nAna"
    assert "> Vă trimitem oferta" in message.body


def test_attachments_are_listed_with_name_type_and_size():
    message = read_message(fixture("with_attachment.eml"))

    assert message.subject == "Solicitud de presupuesto – nave industrial"
    assert message.attachments == [
        Attachment(
            name="Pliego de condiciones – nave.pdf", content_type="application/pdf", size=1540
        )
    ]
    assert message.body.startswith("Buenas tardes:\n\nAdjunto el pliego")


def test_a_message_without_a_sender_is_refused_with_a_clear_error():
    with pytest.raises(ValueError, match="no sender address"):
        read_message(fixture("malformed.eml"))


def test_reply_to_names_the_person_behind_a_relayed_form():
    raw = (
        b"From: WordPress <wordpress@shop.example.com>\r\n"
        b"Reply-To: Maria Lopez <maria.lopez@example.es>\r\n"
        b"Subject: New message from the contact form\r\n\r\n"
        b"Name: Maria Lopez\r\nMessage: Do you ship to Valencia?\r\n"
    )

    message = read_message(raw)

    assert (message.sender_name, message.sender_address) == (
        "Maria Lopez",
        "maria.lopez@example.es",
    )


def test_a_wrongly_declared_charset_falls_back_to_utf8():
    raw = (
        b"From: a@example.com\r\nSubject: x\r\n"
        b"Content-Type: text/plain; charset=us-ascii\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + "Mulțumesc".encode()
    )

    assert read_message(raw).body == "Mulțumesc"


def test_outlook_header_block_starts_the_quoted_original():
    text = (
        "Yes, Thursday works.\n\n"
        "From: Sales <sales@example.com>\n"
        "Sent: Monday, March 9, 2026 10:00\n"
        "To: Pekka\n"
        "Subject: Meeting\n\nOld text"
    )

    assert strip_quotes_and_signature(text) == "Yes, Thursday works."


def test_html_blockquotes_are_quoted_and_left_out_of_the_comment():
    text = html_to_text("<div>Sounds good.</div><blockquote><div>Original offer</div></blockquote>")

    assert text.splitlines()[0] == "Sounds good."
    assert "> Original offer" in text
    assert strip_quotes_and_signature(text) == "Sounds good."


def test_eight_bit_raw_messages_round_trip_through_their_stored_text():
    raw = fixture("cyrillic_windows1251.eml")

    stored, encoding = raw_as_text(raw)

    assert encoding == "latin-1"
    assert raw_from_text(stored, encoding) == raw


def test_the_idempotency_key_is_the_message_id_or_a_digest():
    assert idempotency_key_of(fixture("romanian_qp.eml")) == "ro.8859-2.qp@yahoo.ro"
    assert idempotency_key_of(b"Subject: no id\r\n\r\nbody").startswith("sha256:")


def test_large_attachments_can_be_left_out_but_still_listed():
    raw = fixture("with_attachment.eml")

    stripped = without_attachment_contents(raw)

    assert len(stripped) < len(raw)
    message = read_message(stripped)
    assert message.attachments[0].name == "Pliego de condiciones – nave.pdf"
    assert message.attachments[0].size == 0
    assert message.body.startswith("Buenas tardes:")


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=3000))
def test_reading_arbitrary_bytes_either_works_or_says_why(raw):
    try:
        message = read_message(raw)
    except ValueError as error:
        assert str(error)
    else:
        assert "@" in message.sender_address


HEADER_NAMES = st.sampled_from(
    ["From", "Reply-To", "Subject", "To", "Content-Type", "Content-Transfer-Encoding", "Date"]
)
HEADER_VALUES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(
        [
            "=?utf-8?B?0JjQstCw0L0=?= <ivan@example.ru>",
            "=?unknown-8bit?Q?=FF=FE?= <x@y.z>",
            "multipart/mixed; boundary=",
            'text/plain; charset="no-such-charset"',
            "text/html; charset=koi8-r",
            "base64",
            "quoted-printable",
            "<@>",
            '"unterminated <a@b.c',
        ]
    ),
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(HEADER_NAMES, HEADER_VALUES), max_size=8),
    st.binary(max_size=500),
)
def test_reading_messages_with_hostile_headers_never_crashes(headers, body):
    raw = (
        "".join(f"{name}: {value}\r\n" for name, value in headers).encode(
            "utf-8", errors="surrogateescape"
        )
        + b"\r\n"
        + body
    )
    try:
        read_message(raw)
    except ValueError as error:
        assert str(error)
