import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bkdesk.model.rules.text import clean_text, name_sort_key, name_sort_text, search_key


def test_search_key_folds_case_diacritics_and_d_with_stroke():
    key = search_key("nguyen van duc")
    assert search_key("Nguyễn Văn Đức") == key
    assert search_key("NGUYỄN văn đức") == key
    assert search_key(unicodedata.normalize("NFD", "NGUYỄN văn đức")) == key
    assert key in search_key("Hộ ông Nguyễn Văn Đức, thôn Nà Pài")
    assert search_key("Nguyễn Văn Được") != key


def test_zero_width_and_spaces_are_removed():
    assert clean_text("  Lý\u200b Thị\u00a0\u00a0Bình \ufeff") == "Lý Thị Bình"
    assert clean_text(unicodedata.normalize("NFD", "Đức")) == "Đức"
    assert unicodedata.is_normalized("NFC", clean_text(unicodedata.normalize("NFD", "Nguyễn Thị Ánh")))
    assert clean_text(None) is None


def test_vietnamese_name_order_uses_given_name_first():
    names = ["Lý Thị Bình", "Hoàng Văn An", "Nguyễn Văn Đức", "Trần Văn Dũng", "Lê Thị Ánh", "Lê Thị Anh",
             "Hà Văn Ăn", "Hà Văn Ân", "Bàn Văn Ước", "Ma Thị Yến"]
    expected = ["Hoàng Văn An", "Lê Thị Anh", "Lê Thị Ánh", "Hà Văn Ăn", "Hà Văn Ân", "Lý Thị Bình",
                "Trần Văn Dũng", "Nguyễn Văn Đức", "Bàn Văn Ước", "Ma Thị Yến"]
    assert sorted(names, key=name_sort_key) == expected
    assert sorted(names, key=name_sort_text) == expected
    assert name_sort_key("Hoàng Văn An") < name_sort_key("Lý Thị Bình")


def test_same_given_name_sorts_by_the_rest():
    assert sorted(["Nông Văn An", "Hoàng Văn An", "Đặng Thị An"], key=name_sort_text) == [
        "Đặng Thị An", "Hoàng Văn An", "Nông Văn An"]


vietnamese = st.text(alphabet=st.sampled_from(list("aăâbcdđeêghiklmnoôơpqrstuưvxyAĂÂĐÊÔƠƯ áàảãạấầẩẫậéèẻẽẹ"
                                                   "íìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ\u200b")), max_size=30)


@given(vietnamese)
def test_search_key_is_idempotent_and_normalisation_invariant(text):
    key = search_key(text)
    assert search_key(key) == key
    assert search_key(unicodedata.normalize("NFD", text)) == key
    assert search_key(unicodedata.normalize("NFC", text)) == key


@given(vietnamese, vietnamese)
def test_sort_text_agrees_with_sort_key(a, b):
    ka, kb = name_sort_key(a), name_sort_key(b)
    ta, tb = name_sort_text(a), name_sort_text(b)
    assert (ka < kb) == (ta < tb)
