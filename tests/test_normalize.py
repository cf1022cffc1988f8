from hypothesis import given, settings
from hypothesis import strategies as st

from socialdesk.rules.normalize import normalize, tokens


def test_it_lowercases_and_drops_urls_and_mentions() -> None:
    text = "@haiDJPb Cek INFO di https://djpb.kemenkeu.go.id/x dan bit.ly/abc123 ya"
    assert normalize(text) == "cek info di dan ya"


def test_it_maps_slang_and_abbreviations_to_formal_words() -> None:
    assert normalize("min sy udh coba tp blm bs, gmn ya kak") == (
        "admin saya sudah coba tetapi belum bisa bagaimana ya kakak"
    )


def test_it_keeps_domain_terms_that_the_slang_list_would_rewrite() -> None:
    assert normalize("SP2D di KPPN dan UP satker") == "sp2d di kppn dan up satuan kerja"


def test_it_folds_elongations_but_keeps_real_double_letters() -> None:
    assert normalize("tolonggg banget kakkk, maaaaf") == "tolong sekali kakak maaf"


def test_it_splits_hashtags_into_words() -> None:
    assert normalize("#GajiKe13 #StopPungli") == "gaji ke 13 stop pungli"


def test_it_drops_emoji_and_invisible_marks_without_splitting_words() -> None:
    assert normalize("SA\u200bKTI \u202eerror\u202c 😭👨‍👩‍👧👍🏽") == "sakti error"


def test_it_corrects_one_letter_typos_of_domain_terms() -> None:
    assert normalize("omspn monsakt skati") == "omspan monsakti sakti"


def test_it_leaves_real_words_near_domain_terms_alone() -> None:
    assert normalize("saya sakit, jadi saksi") == "saya sakit jadi saksi"


def test_it_strips_the_nya_enclitic_and_reduplication_digits() -> None:
    assert tokens("SP2Dnya teman2") == ["sp2d", "teman"]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=300))
def test_it_never_raises_on_arbitrary_unicode(text: str) -> None:
    out = normalize(text)
    assert out == out.strip()
    assert "  " not in out


@settings(max_examples=10, deadline=None)
@given(st.sampled_from(["\u200b", "\u200f", "\u202e", "👨‍👩‍👧", "🏳️‍🌈", "a", "ß", "\U0001F600"]),
       st.integers(min_value=1, max_value=50_000))
def test_it_handles_very_long_texts_of_marks_and_emoji(piece: str, count: int) -> None:
    text = (piece * count)[:50_000]
    assert isinstance(normalize(text), str)


def test_it_keeps_a_bare_host_names_own_labels_but_not_its_suffix() -> None:
    from socialdesk.rules.normalize import normalize
    assert normalize("di djpb.kemenkeu.go.id ga nemu") == "di djpb kemenkeu tidak menemukan"
    assert normalize("sakti.kemenkeu.go.id error") == "sakti kemenkeu error"
    # An e-mail domain is not a link.
    assert "kemenkeu" in normalize("email budi@kemenkeu.go.id terkunci")


def test_it_folds_reduplication_digits_before_a_suffix() -> None:
    assert normalize("petugasnya lempar2an") == "petugas lemparan"
    assert normalize("main2an aja") == "mainan saja"


def test_it_keeps_regulation_and_staff_words_the_slang_list_would_rewrite() -> None:
    # The general list reads "pp" as "pulang-pergi", "se" as "sih" and "pppk" as an
    # elongated "ppk"; on this desk they are a regulation, a circular and a staff status.
    assert normalize("PP 5 dan SE dirjen soal PPPK") == "pp 5 dan se dirjen soal pppk"
    assert normalize("mau diubah") == "mau diubah"
    assert normalize("DD tahap 2") == "dana desa tahap 2"
