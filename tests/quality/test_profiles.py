import pytest
from hypothesis import given
from hypothesis import strategies as st

from galena.leads.contact_values import ProfileResult, normalise_profile


@pytest.mark.parametrize(
    ("raw", "network", "url", "handle"),
    [
        # Facebook
        ("https://www.facebook.com/ion.popescu", "facebook", "https://www.facebook.com/ion.popescu", "ion.popescu"),
        ("http://facebook.com/Ion.Popescu/", "facebook", "https://www.facebook.com/ion.popescu", "ion.popescu"),
        ("https://m.facebook.com/ion.popescu?fbclid=IwAR0abc", "facebook", "https://www.facebook.com/ion.popescu", "ion.popescu"),
        ("fb.com/ion.popescu", "facebook", "https://www.facebook.com/ion.popescu", "ion.popescu"),
        ("https://www.facebook.com/profile.php?id=100012345678901&mibextid=ZbWKwL", "facebook", "https://www.facebook.com/profile.php?id=100012345678901", "100012345678901"),
        # Instagram
        ("https://www.instagram.com/maria.garcia/?igshid=YmMyMTA2M2Y=", "instagram", "https://www.instagram.com/maria.garcia", "maria.garcia"),
        ("instagram.com/Maria.Garcia?utm_source=ig_web_copy_link", "instagram", "https://www.instagram.com/maria.garcia", "maria.garcia"),
        ("https://instagr.am/maria.garcia", "instagram", "https://www.instagram.com/maria.garcia", "maria.garcia"),
        # VK and Odnoklassniki
        ("https://vk.com/ivan_ivanov", "vk", "https://vk.com/ivan_ivanov", "ivan_ivanov"),
        ("https://m.vk.com/id123456/", "vk", "https://vk.com/id123456", "id123456"),
        ("vkontakte.ru/ivan_ivanov", "vk", "https://vk.com/ivan_ivanov", "ivan_ivanov"),
        ("https://ok.ru/profile/561234567890", "ok", "https://ok.ru/profile/561234567890", "561234567890"),
        ("https://m.ok.ru/profile/561234567890/", "ok", "https://ok.ru/profile/561234567890", "561234567890"),
        # LinkedIn
        ("https://www.linkedin.com/in/ion-popescu-4a1b2c3/", "linkedin", "https://www.linkedin.com/in/ion-popescu-4a1b2c3", "ion-popescu-4a1b2c3"),
        ("https://ro.linkedin.com/in/Ion-Popescu?trk=people-guest", "linkedin", "https://www.linkedin.com/in/ion-popescu", "ion-popescu"),
        ("linkedin.com/in/matti-virtanen/?originalSubdomain=fi", "linkedin", "https://www.linkedin.com/in/matti-virtanen", "matti-virtanen"),
        ("https://www.linkedin.com/company/acme-industries/", "linkedin", "https://www.linkedin.com/company/acme-industries", "acme-industries"),
        # Telegram
        ("https://t.me/ivan_petrov", "telegram", "https://t.me/ivan_petrov", "ivan_petrov"),
        ("telegram.me/Ivan_Petrov", "telegram", "https://t.me/ivan_petrov", "ivan_petrov"),
        ("@ivan_petrov", "telegram", "https://t.me/ivan_petrov", "ivan_petrov"),
        ("tg://resolve?domain=ivan_petrov", "telegram", "https://t.me/ivan_petrov", "ivan_petrov"),
        # WhatsApp
        ("https://wa.me/40722123456", "whatsapp", "https://wa.me/40722123456", "40722123456"),
        ("https://api.whatsapp.com/send?phone=79161234567&text=hi", "whatsapp", "https://wa.me/79161234567", "79161234567"),
        # X (Twitter)
        ("https://twitter.com/jack?s=20&t=abc", "x", "https://x.com/jack", "jack"),
        ("https://mobile.twitter.com/Jack/", "x", "https://x.com/jack", "jack"),
        ("x.com/jack", "x", "https://x.com/jack", "jack"),
    ],
)  # fmt: skip
def test_links_are_canonicalised(raw, network, url, handle):
    # Given a profile link as pasted
    # When it is normalised
    result = normalise_profile(raw)

    # Then it has one canonical form and its network is named
    assert result == ProfileResult(raw=raw, network=network, url=url, handle=handle, valid=True)


@pytest.mark.parametrize(
    ("raw", "kind_hint", "url"),
    [
        ("ivan_petrov", "telegram", "https://t.me/ivan_petrov"),
        ("@maria.garcia", "instagram", "https://www.instagram.com/maria.garcia"),
        ("ivan_ivanov", "vk", "https://vk.com/ivan_ivanov"),
        ("ion-popescu", "linkedin", "https://www.linkedin.com/in/ion-popescu"),
        ("+40 722 123 456", "whatsapp", "https://wa.me/40722123456"),
        ("@jack", "twitter", "https://x.com/jack"),
    ],
)
def test_a_bare_handle_uses_the_kind_hint(raw, kind_hint, url):
    assert normalise_profile(raw, kind_hint=kind_hint).url == url


def test_a_deep_link_keeps_its_path_without_tracking():
    result = normalise_profile("https://www.facebook.com/groups/12345/?ref=share&utm_medium=x")

    assert (result.network, result.url, result.handle) == (
        "facebook",
        "https://www.facebook.com/groups/12345",
        "12345",
    )


def test_an_unknown_site_is_cleaned_but_not_claimed():
    # Given a link to a site that is not a known network
    result = normalise_profile("HTTP://Example.COM/people/ion/?utm_source=mail&lang=ro")

    # Then tracking is stripped and the host lower-cased, but it is not a valid profile
    assert result == ProfileResult(
        raw="HTTP://Example.COM/people/ion/?utm_source=mail&lang=ro",
        network="",
        url="https://example.com/people/ion?lang=ro",
        handle="",
        valid=False,
    )


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "   ",
        "Ion Popescu",
        "https://www.facebook.com/",
        "https://www.linkedin.com/feed/",
        "https://wa.me/12",
        "ftp://vk.com/ivan",
        "http://[::1",
        "0722 123 456",
    ],
)
def test_what_is_not_a_profile_is_invalid(raw):
    result = normalise_profile(raw)

    assert (result.valid, result.network) == (False, "")


@given(st.text(max_size=80), st.sampled_from(["", "telegram", "whatsapp", "vk", "unknown"]))
def test_never_raises(raw, kind_hint):
    result = normalise_profile(raw, kind_hint=kind_hint)

    assert result.raw == raw
    assert result.valid == bool(result.network)


HANDLES = st.from_regex(r"[A-Za-z0-9_.]{1,20}", fullmatch=True)
HOSTS = st.sampled_from(
    ["facebook.com", "m.facebook.com", "instagram.com", "vk.com", "m.vk.com", "ok.ru",
     "t.me", "telegram.me", "twitter.com", "x.com", "www.linkedin.com/in", "example.com"]
)  # fmt: skip


@given(
    st.sampled_from(["https://", "http://", "", "https://www."]),
    HOSTS,
    HANDLES,
    st.sampled_from(["", "/", "?utm_source=x", "/?fbclid=1&igshid=2", "?si=abc"]),
)
def test_normalising_a_canonical_link_gives_the_same_link(scheme, host, handle, tail):
    first = normalise_profile(f"{scheme}{host}/{handle}{tail}")

    if first.url:
        again = normalise_profile(first.url)
        assert (again.url, again.network, again.handle) == (first.url, first.network, first.handle)


@given(st.text(max_size=60))
def test_normalising_any_result_again_is_stable(raw):
    first = normalise_profile(raw)

    if first.url:
        assert normalise_profile(first.url).url == first.url


@pytest.mark.parametrize(
    "raw",
    [
        "https://vk.com/ivan_ivanov",
        "http://vk.com/ivan_ivanov",
        "HTTPS://VK.COM/Ivan_Ivanov/",
        "https://www.vk.com/ivan_ivanov?utm_source=share&utm_campaign=x",
        "m.vk.com/ivan_ivanov",
        "  vk.com/ivan_ivanov  ",
        "https://vk.com./ivan_ivanov",
    ],
)
def test_scheme_host_and_case_variants_become_one_link(raw):
    assert normalise_profile(raw).url == "https://vk.com/ivan_ivanov"


def test_a_phone_without_a_hint_is_not_taken_for_a_profile():
    assert normalise_profile("+40 722 123 456") == ProfileResult(
        raw="+40 722 123 456", network="", url="", handle="", valid=False
    )
