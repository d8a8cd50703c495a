"""gibberish_score on real names from many countries (low) and on keyboard mashing (high)."""

import pytest

from galena.leads.contact_values import gibberish_score

REAL_NAMES = {
    "RO": """Ion Popescu Andreea Ionescu Mihai Dumitrescu Ioana Stănescu Gheorghe Constantinescu
        Elena Georgescu Vasile Munteanu Cristina Rădulescu Ștefan Țurcanu Alexandru Niculescu
        Bianca Moldovan Răzvan Ciobanu Oana Dragomir Florin Bălănescu Mircea Iordache""",
    "RU": """Иван Петров Мария Смирнова Алексей Кузнецов Ольга Попова Дмитрий Соколов Анна
        Лебедева Сергей Щербаков Юлия Воробьёва Пётр Чайковский Наталья Ильина Владимир Жуков
        Екатерина Ёлкина Андрей Шевчук Лора Дора Влад Смит Ржевский Мстислав Ртищев Льюис
        Shcherbakov Vorobyov Khrushchev Yelena Zhukov Pyotr Tchaikovsky Mstislav""",
    "UA": """Тарас Шевченко Оксана Ткаченко Богдан Кравчук Ірина Коваленко Юрій Бондаренко
        Олександр Мельник Софія Гнатюк Євген Лисенко Tkachenko Kravchuk Hnatiuk Yevhen
        Oleksandr Bondarenko Zhytomyrskyi Khmelnytskyi""",
    "MD": """Vasile Țurcan Natalia Ceban Dorin Rotaru Lilia Cojocaru Igor Lungu Victoria Rusu
        Sergiu Bivol Ana Ciubotaru""",
    "ES": """José García María Fernández Javier López Lucía Martínez Francisco Sánchez Carmen
        Pérez Alejandro Gómez Núñez Muñoz Iñaki Etxeberria Aitor Goikoetxea Xabier
        Llorente""",
    "FI": """Matti Virtanen Aino Korhonen Juha Mäkinen Liisa Nieminen Jukka Hämäläinen Sanna
        Laaksonen Pekka Heikkinen Tuulikki Järvinen Yrjö Äijälä Eero Saarinen""",
    "GB": """Oliver Smith Amelia Jones Harry Williams Isla Brown George Taylor Ava Davies
        Llewelyn Lloyd Rhys Gwyneth Siobhan Niamh McDonald O'Connor Featherstonehaugh
        Knightley""",
    "US": """James Johnson Mary Miller Robert Davis Patricia Wilson Michael Anderson Jennifer
        Thomas Trey Tyrell Peter Pierre Schwarz Nietzsche Rockefeller Schwarzenegger""",
    "PL": """Przybylski Brzęczyszczykiewicz Szczepański Grzegorz Krzysztof Wojciechowski
        Małgorzata Zbigniew Chrząszcz Szczęsny Źdźbło Kowalczyk Jędrzejczyk Pszczółkowski""",
    "GE": """Tskhvitava Dzhugashvili Mtskheta Gvishiani Tsereteli Mkheidze Chkheidze
        Mchedlishvili Kvirikashvili Tkvarcheli Gvantsa Mzia Tsotne Shvangiradze Tskitishvili
        Джугашвили Цхвитава Мчедлишвили""",
    "AM": """Mkrtchyan Mkrtchian Hovhannisyan Grigoryan Harutyunyan Sargsyan Khachatryan
        Vardanyan Mnatsakanyan Tigran Anahit Hrant Мкртчян Мнацаканян Арутюнян""",
    "VN": """Nguyen Tran Le Pham Hoang Huynh Phan Vu Vo Dang Bui Do Ho Ngo Duong Ly Thi Anh
        Nguyễn Trần Phạm Ngọc Nhung Nghiem Nhat Нгуен""",
    "CN": """Xu Zhang Wang Li Liu Chen Yang Zhao Huang Zhou Wu Sun Ma Zhu Hu Guo He Lin Luo
        Zheng Xiong Qiu Xie Jiang Zhuang Qing""",
    "KR": """Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Shin Seo Kwon Hwang Ahn Song
        Ryu Jeon Hong Ji-hoon Seo-yeon Hyun""",
    "IN": """Priya Sharma Rahul Verma Ananya Gupta Vikram Singh Lakshmi Iyer Suresh Reddy
        Kshitij Bhattacharya Chatterjee Mukhopadhyay Trivedi Srinivasan""",
    "TR": """Mehmet Yılmaz Ayşe Kaya Mustafa Demir Fatma Şahin Ahmet Çelik Emine Yıldız Özgür
        Öztürk Gökhan Aydın Çağrı""",
    "CZ-SK-HR": """Vlk Plch Krk Strnad Smrt Dvořák Novák Křížek Hrvatska Mlynář""",
}
NAMES = sorted({word for words in REAL_NAMES.values() for word in words.split()})


def test_the_list_is_large_enough_to_mean_something():
    assert len(NAMES) >= 300


@pytest.mark.parametrize("name", NAMES)
def test_real_names_from_many_countries_score_low(name):
    assert gibberish_score(name) < 0.8


@pytest.mark.parametrize(
    "raw",
    [
        "ьтмис",  # a soft sign cannot begin a word
        "Тбиьм",  # nor follow a vowel
        "Reytw",  # w-e-r-t-y typed in another order
        "uerty",
        "Yuio",  # four neighbouring keys, three vowels in a row
        "Tyui",
        "Жолд",  # о-л-д-ж on the home row, one vowel and two consonants after it
        "Рлод",  # р-л cannot begin a word
        "итмчсь",  # six neighbouring keys of the bottom row
        "Мить Йцук",  # й before a consonant at the start
        "Xcvbn",
        "Sdfg",
        "Gfhjkl",
        "Прлдж",
        "Kjhgf",
    ],
)
def test_keyboard_mashing_scores_high(raw):
    assert gibberish_score(raw) >= 0.8


def test_five_consonant_sounds_in_a_row_are_a_name_six_are_not():
    # Given Mkrtchyan (m-k-r-t-ch) and a mash of six different consonants
    assert (gibberish_score("Mkrtchyan"), gibberish_score("Bvkrtpla")) == (0.0, 0.8)


def test_a_short_czech_name_with_a_syllabic_l_is_a_name_a_long_mash_is_not():
    assert (gibberish_score("Vlk"), gibberish_score("Plch"), gibberish_score("Qwrtpzl")) == (
        0.0,
        0.0,
        0.8,
    )
