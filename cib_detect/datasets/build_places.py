"""Build ``data/places.csv``, the reference list of claimed places (run by hand, offline).

``python -m cib_detect.datasets.build_places`` writes the file from the curated tables
below and the time zone database of this machine (Python's :mod:`zoneinfo` and the
database's ``zone.tab``): the UTC offsets of every place are derived here, once, so that
the library never needs a time zone database or a network at run time
(:func:`cib_detect.datasets.reference.places` reads the file; nothing imports this
module). Rerun it when the curated tables change or the time zone rules of a country
change, and commit the file.

Rows of the file (``kind``, ``key``, ``country``, ``zones``, ``offsets``):

- ``country``: ``key`` is the ISO 3166-1 alpha-2 code, ``name`` the English short name,
  ``iso3`` the alpha-3 code, ``zones`` the IANA zones of the country (``zone.tab``).
- ``name``: another way to write a country (native, German, French, Spanish, Russian,
  Chinese and Arabic names for the major ones, common variants and misspellings).
- ``city`` and ``region`` (a state, province or nation of a country): ``zones`` is the
  place's own zone(s), so its offsets are narrower than its country's.
- ``zone``: an IANA zone name or a profile time zone name (``"Pacific Time (US &
  Canada)"``), with its country.
- ``language``: an ISO 639-1 code and the countries where it is a main language.
- ``unknown``: a joke or non-place ("the moon", "everywhere"): known to be no place.

``offsets`` are the distinct UTC offsets in hours, standard and daylight saving, that the
place's zones used at any time from :data:`FIRST_YEAR` to :data:`LAST_YEAR` (a claim is
read leniently: a place explains every clock its zones showed in those years).
"""

from __future__ import annotations

import csv
import datetime as dt
import sys
import zoneinfo
from pathlib import Path

FIRST_YEAR, LAST_YEAR = 2012, 2026
OUT = Path(__file__).with_name("data") / "places.csv"
COLUMNS = ("kind", "key", "country", "iso3", "name", "zones", "offsets")

# ISO 3166-1: alpha-2, alpha-3, English short name.
_COUNTRIES = """
AD AND Andorra|AE ARE United Arab Emirates|AF AFG Afghanistan|AG ATG Antigua and Barbuda
AI AIA Anguilla|AL ALB Albania|AM ARM Armenia|AO AGO Angola|AQ ATA Antarctica
AR ARG Argentina|AS ASM American Samoa|AT AUT Austria|AU AUS Australia|AW ABW Aruba
AX ALA Åland Islands|AZ AZE Azerbaijan|BA BIH Bosnia and Herzegovina|BB BRB Barbados
BD BGD Bangladesh|BE BEL Belgium|BF BFA Burkina Faso|BG BGR Bulgaria|BH BHR Bahrain
BI BDI Burundi|BJ BEN Benin|BL BLM Saint Barthélemy|BM BMU Bermuda|BN BRN Brunei
BO BOL Bolivia|BQ BES Caribbean Netherlands|BR BRA Brazil|BS BHS Bahamas|BT BTN Bhutan
BV BVT Bouvet Island|BW BWA Botswana|BY BLR Belarus|BZ BLZ Belize|CA CAN Canada
CC CCK Cocos (Keeling) Islands|CD COD DR Congo|CF CAF Central African Republic
CG COG Republic of the Congo|CH CHE Switzerland|CI CIV Côte d'Ivoire|CK COK Cook Islands
CL CHL Chile|CM CMR Cameroon|CN CHN China|CO COL Colombia|CR CRI Costa Rica|CU CUB Cuba
CV CPV Cape Verde|CW CUW Curaçao|CX CXR Christmas Island|CY CYP Cyprus|CZ CZE Czechia
DE DEU Germany|DJ DJI Djibouti|DK DNK Denmark|DM DMA Dominica|DO DOM Dominican Republic
DZ DZA Algeria|EC ECU Ecuador|EE EST Estonia|EG EGY Egypt|EH ESH Western Sahara
ER ERI Eritrea|ES ESP Spain|ET ETH Ethiopia|FI FIN Finland|FJ FJI Fiji
FK FLK Falkland Islands|FM FSM Micronesia|FO FRO Faroe Islands|FR FRA France|GA GAB Gabon
GB GBR United Kingdom|GD GRD Grenada|GE GEO Georgia|GF GUF French Guiana|GG GGY Guernsey
GH GHA Ghana|GI GIB Gibraltar|GL GRL Greenland|GM GMB Gambia|GN GIN Guinea
GP GLP Guadeloupe|GQ GNQ Equatorial Guinea|GR GRC Greece
GS SGS South Georgia and the South Sandwich Islands|GT GTM Guatemala|GU GUM Guam
GW GNB Guinea-Bissau|GY GUY Guyana|HK HKG Hong Kong|HM HMD Heard Island and McDonald Islands
HN HND Honduras|HR HRV Croatia|HT HTI Haiti|HU HUN Hungary|ID IDN Indonesia|IE IRL Ireland
IL ISR Israel|IM IMN Isle of Man|IN IND India|IO IOT British Indian Ocean Territory
IQ IRQ Iraq|IR IRN Iran|IS ISL Iceland|IT ITA Italy|JE JEY Jersey|JM JAM Jamaica
JO JOR Jordan|JP JPN Japan|KE KEN Kenya|KG KGZ Kyrgyzstan|KH KHM Cambodia|KI KIR Kiribati
KM COM Comoros|KN KNA Saint Kitts and Nevis|KP PRK North Korea|KR KOR South Korea
KW KWT Kuwait|KY CYM Cayman Islands|KZ KAZ Kazakhstan|LA LAO Laos|LB LBN Lebanon
LC LCA Saint Lucia|LI LIE Liechtenstein|LK LKA Sri Lanka|LR LBR Liberia|LS LSO Lesotho
LT LTU Lithuania|LU LUX Luxembourg|LV LVA Latvia|LY LBY Libya|MA MAR Morocco|MC MCO Monaco
MD MDA Moldova|ME MNE Montenegro|MF MAF Saint Martin|MG MDG Madagascar
MH MHL Marshall Islands|MK MKD North Macedonia|ML MLI Mali|MM MMR Myanmar|MN MNG Mongolia
MO MAC Macao|MP MNP Northern Mariana Islands|MQ MTQ Martinique|MR MRT Mauritania
MS MSR Montserrat|MT MLT Malta|MU MUS Mauritius|MV MDV Maldives|MW MWI Malawi|MX MEX Mexico
MY MYS Malaysia|MZ MOZ Mozambique|NA NAM Namibia|NC NCL New Caledonia|NE NER Niger
NF NFK Norfolk Island|NG NGA Nigeria|NI NIC Nicaragua|NL NLD Netherlands|NO NOR Norway
NP NPL Nepal|NR NRU Nauru|NU NIU Niue|NZ NZL New Zealand|OM OMN Oman|PA PAN Panama
PE PER Peru|PF PYF French Polynesia|PG PNG Papua New Guinea|PH PHL Philippines
PK PAK Pakistan|PL POL Poland|PM SPM Saint Pierre and Miquelon|PN PCN Pitcairn Islands
PR PRI Puerto Rico|PS PSE Palestine|PT PRT Portugal|PW PLW Palau|PY PRY Paraguay|QA QAT Qatar
RE REU Réunion|RO ROU Romania|RS SRB Serbia|RU RUS Russia|RW RWA Rwanda|SA SAU Saudi Arabia
SB SLB Solomon Islands|SC SYC Seychelles|SD SDN Sudan|SE SWE Sweden|SG SGP Singapore
SH SHN Saint Helena|SI SVN Slovenia|SJ SJM Svalbard and Jan Mayen|SK SVK Slovakia
SL SLE Sierra Leone|SM SMR San Marino|SN SEN Senegal|SO SOM Somalia|SR SUR Suriname
SS SSD South Sudan|ST STP São Tomé and Príncipe|SV SLV El Salvador|SX SXM Sint Maarten
SY SYR Syria|SZ SWZ Eswatini|TC TCA Turks and Caicos Islands|TD TCD Chad
TF ATF French Southern Territories|TG TGO Togo|TH THA Thailand|TJ TJK Tajikistan
TK TKL Tokelau|TL TLS Timor-Leste|TM TKM Turkmenistan|TN TUN Tunisia|TO TON Tonga
TR TUR Türkiye|TT TTO Trinidad and Tobago|TV TUV Tuvalu|TW TWN Taiwan|TZ TZA Tanzania
UA UKR Ukraine|UG UGA Uganda|UM UMI United States Minor Outlying Islands|US USA United States
UY URY Uruguay|UZ UZB Uzbekistan|VA VAT Vatican City|VC VCT Saint Vincent and the Grenadines
VE VEN Venezuela|VG VGB British Virgin Islands|VI VIR U.S. Virgin Islands|VN VNM Vietnam
VU VUT Vanuatu|WF WLF Wallis and Futuna|WS WSM Samoa|XK XKX Kosovo|YE YEM Yemen
YT MYT Mayotte|ZA ZAF South Africa|ZM ZMB Zambia|ZW ZWE Zimbabwe
"""
# Kosovo has no ISO code; XK/XKX is the code in common use (EU, IMF, platforms). The two
# uninhabited islands without a zone of their own get the nearest zone's clock.
_EXTRA_ZONES = {
    "XK": ["Europe/Belgrade"],
    "BV": ["Etc/GMT-1"],  # Bouvet Island, UTC+1
    "HM": ["Indian/Kerguelen"],  # Heard Island, UTC+5
}

# Other names of countries, "|" between names: native, German, French, Spanish, Russian,
# Chinese, Arabic for the major ones, then common variants and misspellings.
_NAMES = {
    "US": "United States of America|USA|U.S.A.|U.S.|America|Vereinigte Staaten|"
    "États-Unis|Etats-Unis|Estados Unidos|EEUU|EE.UU.|США|Соединённые Штаты|Америка|"
    "美国|美國|الولايات المتحدة|أمريكا|Amerika|Untied States|United Stated|United Sates|"
    "Unites States|Amercia|Ameria|Merica|Murica|the States|the US|the USA|Stateside",
    "GB": "UK|U.K.|Great Britain|Britain|Vereinigtes Königreich|Großbritannien|"
    "Grossbritannien|Royaume-Uni|Grande-Bretagne|Reino Unido|Gran Bretaña|"
    "Великобритания|Соединённое Королевство|Англия|英国|英國|المملكة المتحدة|بريطانيا|"
    "United Kingdon|Untied Kingdom|Great Britian|Britian|Inglaterra|Angleterre",
    "DE": "Deutschland|Allemagne|Alemania|Германия|德国|德國|ألمانيا|Germnay|Germeny|"
    "Gemany|Germay|Germny|Gernany|Germamy|Deutchland|Duitsland|Niemcy|Tyskland|Saksa|Almanya|Germania",
    "FR": "République française|Frankreich|Francia|Франция|法国|法國|فرنسا|Fance|Frnace|"
    "Frankrijk|Francja|Frankrike|Fransa",
    "ES": "España|Espana|Spanien|Espagne|Испания|西班牙|إسبانيا|Spian|Spagna|Hiszpania",
    "IT": "Italia|Italien|Italie|Италия|意大利|義大利|إيطاليا|Itlay|Italty|Włochy",
    "PT": "Portugal|Portogallo|Португалия|葡萄牙|البرتغال|Portugual",
    "NL": "Nederland|Holland|The Netherlands|Niederlande|Pays-Bas|Países Bajos|Paises Bajos|"
    "Нидерланды|Голландия|荷兰|荷蘭|هولندا|Netherland|Nederlands",
    "BE": "België|Belgie|Belgique|Belgien|Bélgica|Бельгия|比利时|بلجيكا|Belguim",
    "CH": "Schweiz|Suisse|Svizzera|Suiza|Швейцария|瑞士|سويسرا|Swizerland|Switserland|"
    "Confoederatio Helvetica",
    "AT": "Österreich|Oesterreich|Osterreich|Autriche|Австрия|奥地利|النمسا|Austira",
    "IE": "Éire|Eire|Irland|Irlande|Irlanda|Ирландия|爱尔兰|أيرلندا|Republic of Ireland",
    "SE": "Sverige|Schweden|Suède|Suecia|Швеция|瑞典|السويد|Sweeden|Swedan",
    "NO": "Norge|Norwegen|Norvège|Noruega|Норвегия|挪威|النرويج|Norwey",
    "DK": "Danmark|Dänemark|Danemark|Dinamarca|Дания|丹麦|الدنمارك|Denmarck",
    "FI": "Suomi|Finnland|Finlande|Finlandia|Финляндия|芬兰|فنلندا",
    "IS": "Ísland|Island|Islande|Islandia|Исландия|冰岛",
    "PL": "Polska|Polen|Pologne|Polonia|Польша|波兰|بولندا",
    "CZ": "Czech Republic|Česko|Cesko|Česká republika|Tschechien|Tchéquie|Chequia|Чехия|捷克",
    "SK": "Slovensko|Slowakei|Slovaquie|Eslovaquia|Словакия|斯洛伐克",
    "HU": "Magyarország|Magyarorszag|Ungarn|Hongrie|Hungría|Венгрия|匈牙利|المجر",
    "RO": "România|Rumänien|Roumanie|Rumania|Румыния|罗马尼亚|رومانيا",
    "BG": "България|Bulgarien|Bulgarie|Болгария|保加利亚",
    "GR": "Ελλάδα|Ellada|Hellas|Griechenland|Grèce|Grecia|Греция|希腊|اليونان",
    "HR": "Hrvatska|Kroatien|Croatie|Croacia|Хорватия|克罗地亚",
    "RS": "Србија|Srbija|Serbien|Serbie|Сербия|塞尔维亚",
    "UA": "Україна|Ukraina|Ukraine|Ucrania|Украина|乌克兰|烏克蘭|أوكرانيا|Ukriane|Ukrain",
    "BY": "Беларусь|Belarus|Weißrussland|Weissrussland|Biélorussie|Bielorrusia|Белоруссия|"
    "Republic of Belarus|白俄罗斯|بيلاروسيا",
    "RU": "Россия|Rossiya|Russian Federation|Российская Федерация|РФ|Russland|Russie|Rusia|"
    "俄罗斯|俄羅斯|روسيا|Rusland|Rosja|Russa|Russie",
    "TR": "Turkey|Türkiye|Turkiye|Türkei|Turquie|Turquía|Турция|土耳其|تركيا|Turky|Turkiya",
    "CN": "中国|中國|中华人民共和国|Zhongguo|PRC|People's Republic of China|Mainland China|"
    "Chine|Китай|الصين|Chiina|Cina",
    "TW": "台灣|臺灣|台湾|中華民國|Republic of China|Taïwan|Тайвань|تايوان",
    "HK": "香港|Hongkong|Hong Kong SAR|Гонконг|هونغ كونغ",
    "MO": "澳門|澳门|Macau|Makau|Макао",
    "JP": "日本|Nippon|Nihon|Japan|Japon|Japón|Япония|اليابان|Japna",
    "KR": "대한민국|한국|Korea|Republic of Korea|Südkorea|Corée du Sud|Corea del Sur|"
    "Южная Корея|韩国|韓國|كوريا الجنوبية|S. Korea|S Korea",
    "KP": "조선|조선민주주의인민공화국|DPRK|Nordkorea|Corée du Nord|Corea del Norte|"
    "Северная Корея|КНДР|朝鲜|北韓|كوريا الشمالية|N. Korea",
    "IN": "भारत|Bharat|Hindustan|Indien|Inde|Индия|印度|الهند|Inida",
    "PK": "پاکستان|Pakistan|Пакистан|巴基斯坦|باكستان|Pakisthan|Pakstan",
    "BD": "বাংলাদেশ|Bangladesch|Бангладеш|孟加拉国|بنغلاديش",
    "LK": "ශ්‍රී ලංකාව|Ceylon|Шри-Ланка|斯里兰卡",
    "NP": "नेपाल|Непал|尼泊尔",
    "AF": "افغانستان|Afghanistan|Афганистан|阿富汗|Afganistan",
    "ID": "Indonesien|Indonésie|Индонезия|印度尼西亚|印尼|إندونيسيا|Indonesa|Indonisia",
    "MY": "Malaysia|Malaisie|Malasia|Малайзия|马来西亚|ماليزيا|Malaysa|Malasya",
    "SG": "Singapur|Singapour|Сингапур|新加坡|سنغافورة|Singapura|S'pore|Singapre",
    "PH": "Pilipinas|Philippinen|Philippines|Filipinas|Филиппины|菲律宾|الفلبين|"
    "Phillipines|Philipines|Phillippines|Philippenes",
    "TH": "ประเทศไทย|Thailand|Thaïlande|Tailandia|Таиланд|泰国|تايلاند|Tailand|Siam",
    "VN": "Việt Nam|Viet Nam|Vietnam|Viêt Nam|Вьетнам|越南|فيتنام",
    "KH": "កម្ពុជា|Kambodscha|Cambodge|Camboya|Камбоджа|柬埔寨",
    "MM": "မြန်မာ|Burma|Myanmar|Мьянма|缅甸",
    "MN": "Монгол|Mongolei|Mongolie|Монголия|蒙古",
    "KZ": "Қазақстан|Казахстан|Kasachstan|Kazakhstan|哈萨克斯坦|كازاخستان|Kazakstan",
    "UZ": "Oʻzbekiston|Ozbekiston|Узбекистан|Usbekistan|乌兹别克斯坦|Uzbekstan",
    "AU": "Australien|Australie|Австралия|澳大利亚|澳洲|أستراليا|Austrailia|Australlia|"
    "Ausralia|Straya|Oz",
    "NZ": "Aotearoa|Neuseeland|Nouvelle-Zélande|Nueva Zelanda|Новая Зеландия|新西兰|"
    "نيوزيلندا|New Zeland",
    "CA": "Kanada|Канада|加拿大|كندا|Canda|Cananda",
    "MX": "México|Mexiko|Mexique|Мексика|墨西哥|المكسيك|Mejico",
    "BR": "Brasil|Brasilien|Brésil|Бразилия|巴西|البرازيل|Brazill",
    "AR": "Argentinien|Argentine|Аргентина|阿根廷|الأرجنتين|Argentinia",
    "CO": "Kolumbien|Colombie|Колумбия|哥伦比亚|كولومبيا|Columbia",
    "VE": "Venezuela|Venezuela|Венесуэла|委内瑞拉|فنزويلا|Venezula|Venezuella",
    "CL": "Chili|Чили|智利|تشيلي",
    "PE": "Perú|Pérou|Перу|秘鲁|بيرو",
    "EC": "Équateur|Эквадор|厄瓜多尔",
    "BO": "Bolivien|Bolivie|Боливия|玻利维亚",
    "UY": "Uruguay|Уругвай|乌拉圭",
    "PY": "Paraguay|Парагвай|巴拉圭",
    "CU": "Kuba|Куба|古巴|كوبا",
    "DO": "República Dominicana|Dominikanische Republik|Доминиканская Республика",
    "PR": "Porto Rico|Пуэрто-Рико|波多黎各|Boricua",
    "GT": "Гватемала|危地马拉",
    "EG": "مصر|Misr|Ägypten|Égypte|Egipto|Египет|埃及|Egipt|Eygpt",
    "SA": "السعودية|المملكة العربية السعودية|KSA|Saudi|Saudi-Arabien|Arabie saoudite|"
    "Arabia Saudita|Саудовская Аравия|沙特阿拉伯|沙特",
    "AE": "الإمارات|الإمارات العربية المتحدة|UAE|U.A.E.|Emirates|Vereinigte Arabische Emirate|"
    "Émirats arabes unis|Emiratos Árabes Unidos|ОАЭ|阿联酋|阿拉伯联合酋长国",
    "IR": "ایران|إيران|Iran|Islamic Republic of Iran|Persia|Irán|Иран|伊朗",
    "IQ": "العراق|Irak|Ирак|伊拉克",
    "IL": "ישראל|Israël|Israel|Израиль|以色列|إسرائيل|Isreal",
    "PS": "فلسطين|Palästina|Palestina|Палестина|巴勒斯坦|Gaza|West Bank",
    "SY": "سوريا|سورية|Syrien|Syrie|Siria|Сирия|叙利亚",
    "LB": "لبنان|Libanon|Liban|Líbano|Ливан|黎巴嫩|Lebenon",
    "JO": "الأردن|Jordanien|Jordanie|Jordania|Иордания|约旦",
    "QA": "قطر|Katar|Катар|卡塔尔",
    "KW": "الكويت|Kuwait|Koweït|Кувейт|科威特",
    "BH": "البحرين|Бахрейн|巴林",
    "OM": "عمان|سلطنة عمان|Оман|阿曼",
    "YE": "اليمن|Jemen|Yémen|Йемен|也门",
    "LY": "ليبيا|Libyen|Libye|Libia|Ливия|利比亚",
    "TN": "تونس|Tunesien|Tunisie|Túnez|Тунис|突尼斯",
    "DZ": "الجزائر|Algerien|Algérie|Argelia|Алжир|阿尔及利亚",
    "MA": "المغرب|Marokko|Maroc|Marruecos|Марокко|摩洛哥",
    "SD": "السودان|Судан|苏丹",
    "NG": "Nigeria|Нигерия|尼日利亚|نيجيريا|Naija|Nigerai",
    "KE": "Kenia|Кения|肯尼亚|كينيا",
    "ZA": "South Africa|Südafrika|Afrique du Sud|Sudáfrica|ЮАР|Южная Африка|南非|جنوب أفريقيا|"
    "RSA|Mzansi",
    "ET": "ኢትዮጵያ|Äthiopien|Éthiopie|Etiopía|Эфиопия|埃塞俄比亚",
    "GH": "Гана|加纳",
    "TZ": "Tansania|Tanzanie|Танзания|坦桑尼亚",
    "UG": "Уганда|乌干达",
    "AM": "Հայաստան|Армения|Armenien|Arménie",
    "GE": "საქართველო|Грузия|Georgien|Géorgie|Sakartvelo",
    "AZ": "Azərbaycan|Азербайджан|Aserbaidschan|Azerbaïdjan",
    "MD": "Moldova|Молдова|Молдавия|Moldawien|Moldavie",
    "LT": "Lietuva|Литва|Litauen|Lituanie",
    "LV": "Latvija|Латвия|Lettland|Lettonie",
    "EE": "Eesti|Эстония|Estland|Estonie",
    "SI": "Slovenija|Словения|Slowenien|Slovénie",
    "BA": "Bosna i Hercegovina|Bosnia|Босния и Герцеговина",
    "ME": "Crna Gora|Черногория|Monténégro",
    "MK": "Macedonia|Северна Македонија|Nordmazedonien|Macédoine du Nord",
    "AL": "Shqipëria|Shqiperia|Albanien|Albanie|Албания",
    "CY": "Κύπρος|Kıbrıs|Zypern|Chypre|Chipre|Кипр",
    "MT": "Malta|Мальта",
    "LU": "Lëtzebuerg|Luxemburg|Люксембург",
    "KG": "Кыргызстан|Киргизия|Kirgisistan",
    "TJ": "Тоҷикистон|Таджикистан|Tadschikistan",
    "TM": "Türkmenistan|Туркменистан",
}

# Cities: "names|..." -> country, zone (the first name is the English one). Capitals of the
# major countries and the largest cities people name in profiles.
_CITIES = """
US America/New_York New York|New York City|NYC|Nueva York|Нью-Йорк|纽约|Brooklyn|
 Manhattan|Queens|The Bronx|Bronx|Staten Island|Boston|Philadelphia|Philly|Washington DC|
 Washington D.C.|DC|D.C.|Atlanta|Miami|Orlando|Tampa|Jacksonville|Charlotte|Raleigh|
 Baltimore|Pittsburgh|Cleveland|Columbus|Cincinnati|Buffalo|Newark|Jersey City|Richmond|
 Virginia Beach|Hartford|Providence
US America/Detroit Detroit
US America/Indiana/Indianapolis Indianapolis
US America/Kentucky/Louisville Louisville
US America/Chicago Chicago|Chi-Town|Houston|Dallas|San Antonio|Austin|Fort Worth|
 Nashville|Memphis|New Orleans|NOLA|Minneapolis|St. Louis|Saint Louis|Kansas City|
 Milwaukee|Oklahoma City|Tulsa|Omaha|Madison
US America/Denver Denver|Salt Lake City|Albuquerque|El Paso|Colorado Springs|Boise
US America/Phoenix Phoenix|Tucson|Scottsdale|Mesa
US America/Los_Angeles Los Angeles|LA|L.A.|Los Ángeles|Лос-Анджелес|洛杉矶|San Francisco|
 SF|San Fran|Bay Area|San Diego|San Jose|Oakland|Sacramento|Seattle|Portland|Las Vegas|
 Vegas|Hollywood|Long Beach|Fresno|Silicon Valley
US America/Anchorage Anchorage
US Pacific/Honolulu Honolulu
CA America/Toronto Toronto|Ottawa|Montreal|Montréal|Québec City|Quebec City|Mississauga|Brampton
CA America/Vancouver Vancouver
CA America/Edmonton Calgary|Edmonton
CA America/Winnipeg Winnipeg
CA America/Halifax Halifax
MX America/Mexico_City Mexico City|Ciudad de México|Ciudad de Mexico|CDMX|Guadalajara|
 Monterrey|Puebla
MX America/Tijuana Tijuana
GB Europe/London London|Londres|Londra|Лондон|伦敦|倫敦|لندن|Londn|Lodnon|Greater London|
 Manchester|Birmingham|Liverpool|Leeds|Sheffield|Bristol|Newcastle|Newcastle upon Tyne|
 Nottingham|Leicester|Coventry|Bradford|Brighton|Southampton|Portsmouth|Oxford|Cambridge|
 Reading|York|Glasgow|Edinburgh|Aberdeen|Dundee|Cardiff|Swansea|Belfast
IE Europe/Dublin Dublin|Cork|Galway
DE Europe/Berlin Berlin|Berlín|Берлин|柏林|برلين|Berln|Hamburg|Hambourg|München|Munchen|
 Muenchen|Munich|Köln|Koln|Koeln|Cologne|Frankfurt|Frankfurt am Main|Francfort|Stuttgart|
 Düsseldorf|Dusseldorf|Duesseldorf|Dortmund|Essen|Leipzig|Bremen|Dresden|Hannover|Hanover|
 Nürnberg|Nurnberg|Nuernberg|Nuremberg|Bonn|Mannheim|Karlsruhe|Heidelberg
AT Europe/Vienna Vienna|Wien|Vienne|Viena|Вена|Graz|Salzburg|Innsbruck|Linz
CH Europe/Zurich Zurich|Zürich|Zuerich|Geneva|Genève|Genf|Basel|Bern|Berne|Lausanne
FR Europe/Paris Paris|París|Париж|巴黎|باريس|Marseille|Lyon|Toulouse|Nice|Nantes|
 Strasbourg|Montpellier|Bordeaux|Lille|Rennes
BE Europe/Brussels Brussels|Bruxelles|Brussel|Brüssel|Antwerp|Antwerpen|Anvers|Ghent|Gent|
 Liège
NL Europe/Amsterdam Amsterdam|Rotterdam|The Hague|Den Haag|Utrecht|Eindhoven
LU Europe/Luxembourg Luxembourg City
ES Europe/Madrid Madrid|Barcelona|Valencia|Sevilla|Seville|Zaragoza|Málaga|Malaga|
 Bilbao
ES Atlantic/Canary Las Palmas|Tenerife
PT Europe/Lisbon Lisbon|Lisboa|Lissabon|Porto|Oporto
IT Europe/Rome Rome|Roma|Rom|Рим|罗马|Milan|Milano|Mailand|Naples|Napoli|Turin|Torino|
 Florence|Firenze|Venice|Venezia|Bologna|Palermo|Genoa|Genova
DK Europe/Copenhagen Copenhagen|København|Kobenhavn|Kopenhagen|Aarhus
SE Europe/Stockholm Stockholm|Gothenburg|Göteborg|Malmö|Malmo
NO Europe/Oslo Oslo|Bergen
FI Europe/Helsinki Helsinki|Espoo|Tampere
IS Atlantic/Reykjavik Reykjavik|Reykjavík
PL Europe/Warsaw Warsaw|Warszawa|Warschau|Kraków|Krakow|Cracow|Łódź|Lodz|Wrocław|Wroclaw|
 Gdańsk|Gdansk|Poznań|Poznan
CZ Europe/Prague Prague|Praha|Prag|Brno
SK Europe/Bratislava Bratislava
HU Europe/Budapest Budapest
RO Europe/Bucharest Bucharest|București|Bucuresti|Cluj-Napoca
BG Europe/Sofia Sofia|София
GR Europe/Athens Athens|Athína|Athen|Αθήνα|Thessaloniki
RS Europe/Belgrade Belgrade|Beograd|Белград
HR Europe/Zagreb Zagreb
SI Europe/Ljubljana Ljubljana
BA Europe/Sarajevo Sarajevo
AL Europe/Tirane Tirana
UA Europe/Kyiv Kyiv|Kiev|Київ|Киев|基辅|Kharkiv|Kharkov|Odesa|Odessa|Lviv|Dnipro
BY Europe/Minsk Minsk|Мінск|Минск
MD Europe/Chisinau Chisinau|Chișinău|Кишинёв
LT Europe/Vilnius Vilnius
LV Europe/Riga Riga|Rīga
EE Europe/Tallinn Tallinn
RU Europe/Moscow Moscow|Moskva|Москва|Moskau|Moscou|Moscú|莫斯科|موسكو|Saint Petersburg|
 St. Petersburg|St Petersburg|Санкт-Петербург|Петербург|Питер|Kazan|Казань|
 Nizhny Novgorod|Нижний Новгород|Rostov-on-Don|Ростов-на-Дону|Voronezh|Воронеж
RU Europe/Samara Samara|Самара
RU Asia/Yekaterinburg Yekaterinburg|Екатеринбург|Chelyabinsk|Челябинск
RU Asia/Novosibirsk Novosibirsk|Новосибирск
RU Asia/Krasnoyarsk Krasnoyarsk|Красноярск
RU Asia/Vladivostok Vladivostok|Владивосток
TR Europe/Istanbul Istanbul|İstanbul|Стамбул|伊斯坦布尔|إسطنبول|Ankara|Анкара|Izmir|İzmir|
 Bursa|Antalya
CY Asia/Nicosia Nicosia|Limassol
IL Asia/Jerusalem Tel Aviv|Jerusalem|Haifa|תל אביב|ירושלים
PS Asia/Gaza Gaza City|Ramallah
LB Asia/Beirut Beirut|بيروت
SY Asia/Damascus Damascus|دمشق|Aleppo|حلب
JO Asia/Amman Amman
IQ Asia/Baghdad Baghdad|بغداد|Basra|Erbil
IR Asia/Tehran Tehran|تهران|طهران|Teheran|Тегеран|德黑兰|Isfahan|Mashhad|Shiraz|Tabriz
SA Asia/Riyadh Riyadh|الرياض|Jeddah|جدة|Mecca|مكة|Medina|Dammam
KW Asia/Kuwait Kuwait City
QA Asia/Qatar Doha|الدوحة
BH Asia/Bahrain Manama
AE Asia/Dubai Dubai|دبي|Abu Dhabi|أبو ظبي|أبوظبي|Sharjah
OM Asia/Muscat Muscat|مسقط
YE Asia/Aden Sanaa|Sana'a|صنعاء|Aden
EG Africa/Cairo Cairo|القاهرة|Kairo|Le Caire|El Cairo|Каир|开罗|Alexandria|الإسكندرية|Giza
LY Africa/Tripoli Tripoli|طرابلس|Benghazi
TN Africa/Tunis Tunis
DZ Africa/Algiers Algiers|الجزائر العاصمة|Alger|Oran
MA Africa/Casablanca Casablanca|الدار البيضاء|Rabat|Marrakech|Marrakesh|Fez|Tangier
NG Africa/Lagos Lagos|Abuja|Kano|Ibadan|Port Harcourt
GH Africa/Accra Accra|Kumasi
SN Africa/Dakar Dakar
CI Africa/Abidjan Abidjan
KE Africa/Nairobi Nairobi|Mombasa
ET Africa/Addis_Ababa Addis Ababa|Addis Abeba
TZ Africa/Dar_es_Salaam Dar es Salaam
UG Africa/Kampala Kampala
RW Africa/Kigali Kigali
ZA Africa/Johannesburg Johannesburg|Joburg|Jozi|Cape Town|Durban|Pretoria
ZW Africa/Harare Harare
CD Africa/Kinshasa Kinshasa
SD Africa/Khartoum Khartoum|الخرطوم
IN Asia/Kolkata Mumbai|Bombay|Delhi|New Delhi|नई दिल्ली|Bengaluru|Bangalore|Kolkata|Calcutta|
 Chennai|Madras|Hyderabad|Pune|Ahmedabad|Jaipur|Lucknow|Kochi|Chandigarh|Noida|Gurgaon|
 Gurugram
PK Asia/Karachi Karachi|کراچی|Lahore|لاہور|Islamabad|اسلام آباد|Rawalpindi|Faisalabad|
 Peshawar
BD Asia/Dhaka Dhaka|ঢাকা|Chittagong
LK Asia/Colombo Colombo
NP Asia/Kathmandu Kathmandu
AF Asia/Kabul Kabul|کابل
GE Asia/Tbilisi Tbilisi|Тбилиси|თბილისი|Batumi
AM Asia/Yerevan Yerevan|Ереван
AZ Asia/Baku Baku|Баку
KG Asia/Bishkek Bishkek|Бишкек
TJ Asia/Dushanbe Dushanbe|Душанбе
TM Asia/Ashgabat Ashgabat
KZ Asia/Almaty Almaty|Astana|Nur-Sultan|Алматы|Астана
UZ Asia/Tashkent Tashkent|Ташкент
CN Asia/Shanghai Beijing|Peking|北京|Пекин|بكين|Pékin|Pekín|Shanghai|上海|Шанхай|Guangzhou|
 广州|Canton|Shenzhen|深圳|Chengdu|成都|Chongqing|重庆|Wuhan|武汉|Hangzhou|杭州|Nanjing|
 南京|Tianjin|天津|Xi'an|Xian|西安|Suzhou|苏州|Qingdao|青岛|Xiamen|厦门|Harbin|哈尔滨|
 Shenyang|沈阳|Changsha|长沙|Zhengzhou|郑州|Kunming|昆明|Dalian|大连
CN Asia/Urumqi Urumqi|乌鲁木齐|Kashgar|喀什
HK Asia/Hong_Kong Kowloon|九龍
MO Asia/Macau Macao
TW Asia/Taipei Taipei|台北|臺北|Kaohsiung|高雄|Taichung|台中|Tainan|台南
JP Asia/Tokyo Tokyo|東京|Токио|东京|طوكيو|Tokio|Osaka|大阪|Kyoto|京都|Yokohama|横浜|Nagoya|
 名古屋|Sapporo|札幌|Fukuoka|福岡|Kobe|神戸
KR Asia/Seoul Seoul|서울|首尔|Сеул|Séoul|Busan|부산|Pusan|Incheon|인천|Daegu
KP Asia/Pyongyang Pyongyang|평양|平壤|Пхеньян
MN Asia/Ulaanbaatar Ulaanbaatar|Ulan Bator|Улаанбаатар
VN Asia/Ho_Chi_Minh Hanoi|Hà Nội|Ha Noi|Ho Chi Minh City|Saigon|Sài Gòn|Da Nang|Đà Nẵng
TH Asia/Bangkok Bangkok|กรุงเทพ|กรุงเทพมหานคร|Chiang Mai|Phuket|Pattaya
KH Asia/Phnom_Penh Phnom Penh
MM Asia/Yangon Yangon|Rangoon|Naypyidaw|Mandalay
MY Asia/Kuala_Lumpur Kuala Lumpur|KL|Penang|George Town|Johor Bahru|Petaling Jaya|Selangor
SG Asia/Singapore Singapore City
ID Asia/Jakarta Jakarta|Bandung|Surabaya|Yogyakarta|Jogja|Semarang|Medan
ID Asia/Makassar Bali|Denpasar|Makassar
PH Asia/Manila Manila|Maynila|Quezon City|Cebu|Cebu City|Davao|Makati|Taguig|Pasig
AU Australia/Sydney Sydney|Сидней|悉尼|Canberra|Wollongong
AU Australia/Melbourne Melbourne|Geelong
AU Australia/Brisbane Brisbane|Gold Coast|Sunshine Coast
AU Australia/Perth Perth
AU Australia/Adelaide Adelaide
AU Australia/Hobart Hobart
AU Australia/Darwin Darwin
NZ Pacific/Auckland Auckland|Wellington|Christchurch
BR America/Sao_Paulo São Paulo|Sao Paulo|Sampa|Rio de Janeiro|Rio|Brasília|Brasilia|
 Belo Horizonte|Curitiba|Porto Alegre
BR America/Bahia Salvador
BR America/Fortaleza Fortaleza
BR America/Recife Recife
BR America/Manaus Manaus
AR America/Argentina/Buenos_Aires Buenos Aires|Córdoba|Rosario|Mendoza
CL America/Santiago Santiago de Chile|Santiago|Valparaíso
CO America/Bogota Bogotá|Bogota|Medellín|Medellin|Cali|Barranquilla|Cartagena
PE America/Lima Lima|Cusco
EC America/Guayaquil Quito|Guayaquil
VE America/Caracas Caracas|Maracaibo|Valencia
BO America/La_Paz La Paz|Santa Cruz de la Sierra
UY America/Montevideo Montevideo
PY America/Asuncion Asunción|Asuncion
CU America/Havana Havana|La Habana|Habana|Гавана
DO America/Santo_Domingo Santo Domingo
PR America/Puerto_Rico San Juan
JM America/Jamaica Kingston
GT America/Guatemala Guatemala City
SV America/El_Salvador San Salvador
HN America/Tegucigalpa Tegucigalpa
NI America/Managua Managua
CR America/Costa_Rica San José
PA America/Panama Panama City
"""

# States, provinces and nations: "names" -> country, zone(s).
_REGIONS = """
US America/New_York New York State|NY|Connecticut|CT|Delaware|DE|Georgia|GA|Maine|ME|
 Maryland|MD|Massachusetts|MA|Mass|New Hampshire|NH|New Jersey|NJ|North Carolina|NC|Ohio|
 OH|Pennsylvania|PA|Rhode Island|RI|South Carolina|SC|Vermont|VT|Virginia|VA|West Virginia|
 WV|District of Columbia
US America/New_York America/Chicago Florida|FL|Michigan|MI|Indiana|IN|Kentucky|KY|
 Tennessee|TN
US America/Chicago Alabama|AL|Arkansas|AR|Illinois|IL|Iowa|IA|Louisiana|LA|
 Minnesota|MN|Mississippi|MS|Missouri|MO|Oklahoma|OK|Wisconsin|WI
US America/Chicago America/Denver Texas|TX|Kansas|KS|Nebraska|NE|North Dakota|ND|
 South Dakota|SD
US America/Denver Colorado|CO|Montana|MT|New Mexico|NM|Utah|UT|Wyoming|WY
US America/Denver America/Los_Angeles Idaho|ID
US America/Phoenix Arizona|AZ
US America/New_York America/Los_Angeles Washington
US America/Los_Angeles California|Cali|Calif|CA|SoCal|NorCal|Nevada|NV|Oregon|OR|
 Washington State|WA
US America/Anchorage Alaska|AK
US Pacific/Honolulu Hawaii|Hawaiʻi|HI
CA America/Toronto Ontario|ON|Quebec|Québec|QC
CA America/Vancouver British Columbia|BC
CA America/Edmonton Alberta|AB
CA America/Winnipeg Manitoba|MB
CA America/Regina Saskatchewan|SK
CA America/Halifax Nova Scotia|NS|New Brunswick|NB|Prince Edward Island|PEI
CA America/St_Johns Newfoundland|Newfoundland and Labrador|NL
GB Europe/London England|Scotland|Wales|Northern Ireland|Cymru|Alba|Scottland|Englnd|
 Yorkshire|Cornwall|Kent|Essex|Surrey|Lancashire|Merseyside|West Midlands|Midlands
AU Australia/Sydney New South Wales|NSW|ACT
AU Australia/Melbourne Victoria|VIC
AU Australia/Brisbane Queensland|QLD
AU Australia/Perth Western Australia|WA
AU Australia/Adelaide South Australia|SA
AU Australia/Hobart Tasmania|TAS
AU Australia/Darwin Northern Territory|NT
DE Europe/Berlin Bavaria|Bayern|Baden-Württemberg|Nordrhein-Westfalen|NRW|
 North Rhine-Westphalia|Sachsen|Saxony|Hessen|Hesse|Niedersachsen|Lower Saxony|
 Schleswig-Holstein|Brandenburg|Thüringen|Thuringia|Rheinland-Pfalz
CN Asia/Shanghai Guangdong|广东|Sichuan|四川|Zhejiang|浙江|Jiangsu|江苏|Fujian|福建|
 Shandong|山东|Hubei|湖北|Hunan|湖南|Henan|河南|Hebei|河北|Yunnan|云南|Tibet|西藏
CN Asia/Urumqi Xinjiang|新疆
IN Asia/Kolkata Maharashtra|Karnataka|Tamil Nadu|Kerala|Gujarat|Punjab|Uttar Pradesh|
 West Bengal|Telangana|Rajasthan
ES Europe/Madrid Catalonia|Catalunya|Cataluña|Andalusia|Andalucía|Basque Country|Euskadi|
 Galicia
IT Europe/Rome Sicily|Sicilia|Sardinia|Sardegna|Tuscany|Toscana|Lombardy|Lombardia
RU Europe/Moscow Crimea|Крым
RU Asia/Vladivostok Siberia|Сибирь
"""

# Profile time zone names that are not a place name (Twitter's and Rails' lists).
_TIME_ZONE_NAMES = {
    "Pacific Time (US & Canada)": ("US CA", "America/Los_Angeles"),
    "Mountain Time (US & Canada)": ("US CA", "America/Denver"),
    "Central Time (US & Canada)": ("US CA", "America/Chicago"),
    "Eastern Time (US & Canada)": ("US CA", "America/New_York"),
    "Atlantic Time (Canada)": ("CA", "America/Halifax"),
    "Alaska": ("US", "America/Anchorage"),
    "Hawaii": ("US", "Pacific/Honolulu"),
    "Arizona": ("US", "America/Phoenix"),
    "Indiana (East)": ("US", "America/Indiana/Indianapolis"),
    "Newfoundland": ("CA", "America/St_Johns"),
    "Saskatchewan": ("CA", "America/Regina"),
    "Mid-Atlantic": ("GS", "Atlantic/South_Georgia"),
    "Azores": ("PT", "Atlantic/Azores"),
    "Cape Verde Is.": ("CV", "Atlantic/Cape_Verde"),
    "Greenland": ("GL", "America/Nuuk"),
    "Edinburgh": ("GB", "Europe/London"),
    "Brasilia": ("BR", "America/Sao_Paulo"),
    "Georgetown": ("GY", "America/Guyana"),
    "Central America": ("GT", "America/Guatemala"),
    "Chihuahua": ("MX", "America/Chihuahua"),
    "Mazatlan": ("MX", "America/Mazatlan"),
    "Tijuana": ("MX", "America/Tijuana"),
    "Kyev": ("UA", "Europe/Kyiv"),
    "Sri Jayawardenepura": ("LK", "Asia/Colombo"),
    "Ekaterinburg": ("RU", "Asia/Yekaterinburg"),
    "Irkutsk": ("RU", "Asia/Irkutsk"),
    "Yakutsk": ("RU", "Asia/Yakutsk"),
    "Magadan": ("RU", "Asia/Magadan"),
    "Kamchatka": ("RU", "Asia/Kamchatka"),
    "Volgograd": ("RU", "Europe/Volgograd"),
    "Chongqing": ("CN", "Asia/Shanghai"),
    "Urumqi": ("CN", "Asia/Urumqi"),
    "Osaka": ("JP", "Asia/Tokyo"),
    "Sapporo": ("JP", "Asia/Tokyo"),
    "Guam": ("GU", "Pacific/Guam"),
    "Port Moresby": ("PG", "Pacific/Port_Moresby"),
    "Solomon Is.": ("SB", "Pacific/Guadalcanal"),
    "New Caledonia": ("NC", "Pacific/Noumea"),
    "Marshall Is.": ("MH", "Pacific/Majuro"),
    "Fiji": ("FJ", "Pacific/Fiji"),
    "Nuku'alofa": ("TO", "Pacific/Tongatapu"),
    "Samoa": ("WS", "Pacific/Apia"),
    "American Samoa": ("AS", "Pacific/Pago_Pago"),
    "Midway Island": ("UM", "Pacific/Midway"),
}

# ISO 639-1 language -> countries where it is a main language of the population.
_LANGUAGES = {
    "en": "US GB CA AU NZ IE IN PK NG KE ZA GH PH SG JM TT UG ZM ZW MT",
    "de": "DE AT CH LI LU",
    "fr": "FR BE CH LU MC CA SN CI CM CD HT MA DZ TN",
    "es": "ES MX AR CO VE CL PE EC BO UY PY CU DO GT HN SV NI CR PA PR",
    "pt": "PT BR AO MZ CV",
    "it": "IT SM VA CH",
    "nl": "NL BE SR",
    "ru": "RU BY KZ KG",
    "uk": "UA",
    "be": "BY",
    "pl": "PL",
    "cs": "CZ",
    "sk": "SK",
    "hu": "HU",
    "ro": "RO MD",
    "bg": "BG",
    "el": "GR CY",
    "sr": "RS BA ME",
    "hr": "HR BA",
    "bs": "BA",
    "sl": "SI",
    "sq": "AL XK",
    "mk": "MK",
    "lt": "LT",
    "lv": "LV",
    "et": "EE",
    "fi": "FI",
    "sv": "SE FI",
    "no": "NO",
    "nb": "NO",
    "nn": "NO",
    "da": "DK",
    "is": "IS",
    "ga": "IE",
    "cy": "GB",
    "tr": "TR CY",
    "az": "AZ",
    "ka": "GE",
    "hy": "AM",
    "kk": "KZ",
    "uz": "UZ",
    "ky": "KG",
    "tg": "TJ",
    "tk": "TM",
    "mn": "MN",
    "ar": "EG SA AE IQ SY JO LB PS KW QA BH OM YE LY TN DZ MA SD",
    "he": "IL",
    "iw": "IL",
    "fa": "IR AF TJ",
    "ps": "AF PK",
    "ur": "PK IN",
    "hi": "IN",
    "bn": "BD IN",
    "pa": "IN PK",
    "gu": "IN",
    "mr": "IN",
    "ta": "IN LK SG",
    "te": "IN",
    "kn": "IN",
    "ml": "IN",
    "si": "LK",
    "ne": "NP",
    "zh": "CN TW HK MO SG",
    "ja": "JP",
    "ko": "KR KP",
    "th": "TH",
    "vi": "VN",
    "km": "KH",
    "lo": "LA",
    "my": "MM",
    "id": "ID",
    "in": "ID",
    "ms": "MY BN SG",
    "tl": "PH",
    "fil": "PH",
    "sw": "KE TZ UG",
    "am": "ET",
    "ha": "NG NE",
    "yo": "NG",
    "ig": "NG",
    "zu": "ZA",
    "xh": "ZA",
    "af": "ZA NA",
}

# Jokes and non-places: a location field saying these claims no place.
_UNKNOWN = """
earth|planet earth|the earth|mother earth|earthling|third rock from the sun|world|the world|
worldwide|world wide|all over the world|around the world|all over|global|globe|international|
everywhere|anywhere|somewhere|nowhere|wherever|here|there|here and there|not here|home|
my home|at home|my house|home sweet home|my room|my bed|the couch|the basement|the moon|moon|
on the moon|dark side of the moon|mars|planet mars|jupiter|saturn|venus|pluto|space|
outer space|deep space|the universe|universe|multiverse|metaverse|galaxy|a galaxy far far away|
milky way|solar system|the sky|sky|cloud nine|the cloud|cloud|heaven|hell|paradise|
in your heart|your heart|your mind|in your head|your dreams|dreamland|la la land|lalaland|
wonderland|neverland|narnia|hogwarts|middle earth|mordor|gotham|gotham city|atlantis|
the internet|internet|online|offline|cyberspace|web|www|the web|dm me|dm|dms|inbox|
unknown|undisclosed|not specified|none|null|n/a|na|nil|secret|private|classified|
confidential|hidden|citizen of the world|global citizen|world citizen|on the road|
travelling|traveling|nomad|digital nomad|behind you|under your bed|in the matrix|the matrix|
localhost|127.0.0.1|nowhere land|no where|somewhere over the rainbow|over the rainbow|
地球|世界|宇宙|火星|月球|月亮|天堂|到处|哪里|земля|планета земля|мир|везде|космос|луна|
марс|вселенная|الأرض|العالم|كوكب الأرض|في كل مكان|erde|welt|überall|terre|monde|partout|
tierra|mundo|planeta tierra|en todas partes|luna
"""


def _rows_of(text: str) -> list[str]:
    """Logical lines of a table string: a line starting with a space continues the last."""
    lines: list[str] = []
    for raw in text.strip("\n").splitlines():
        if raw.startswith(" ") and lines:
            lines[-1] += raw.strip()
        elif raw.strip():
            lines.append(raw.strip())
    return lines


def _zone_table() -> dict[str, list[str]]:
    """Country -> IANA zones, from the time zone database's ``zone.tab``."""
    for folder in zoneinfo.TZPATH:
        path = Path(folder) / "zone.tab"
        if path.exists():
            break
    else:
        sys.exit("build_places: no zone.tab in zoneinfo.TZPATH; install the tz database")
    zones: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            code, _, zone = line.split("\t")[:3]
            zones.setdefault(code, []).append(zone)
    for code, extra in _EXTRA_ZONES.items():
        zones.setdefault(code, []).extend(extra)
    return zones


def zone_offsets(zones) -> list[float]:
    """Distinct UTC offsets (hours) of ``zones`` from FIRST_YEAR to LAST_YEAR, sampled
    daily at 12:00 UTC."""
    start = dt.datetime(FIRST_YEAR, 1, 1, 12, tzinfo=dt.timezone.utc)
    days = (dt.datetime(LAST_YEAR + 1, 1, 1, tzinfo=dt.timezone.utc) - start).days
    found: set[float] = set()
    for name in zones:
        zone = zoneinfo.ZoneInfo(name)
        for day in range(days):
            offset = (start + dt.timedelta(days=day)).astimezone(zone).utcoffset()
            found.add(round(offset.total_seconds() / 3600, 2))
    return sorted(found)


def _offsets_text(offsets) -> str:
    return " ".join(f"{o:g}" for o in offsets)


def build_rows() -> list[dict[str, str]]:
    """Every row of ``places.csv``, in file order."""
    zones = _zone_table()
    rows: list[dict[str, str]] = []
    cache: dict[tuple[str, ...], str] = {}

    def offsets(names) -> str:
        key = tuple(names)
        if key not in cache:
            cache[key] = _offsets_text(zone_offsets(names))
        return cache[key]

    def add(kind, key, country, *, iso3="", name="", zone_names=()):
        rows.append(
            {
                "kind": kind,
                "key": key,
                "country": country,
                "iso3": iso3,
                "name": name,
                "zones": " ".join(zone_names),
                "offsets": offsets(zone_names) if zone_names else "",
            }
        )

    countries = {}
    for entry in " | ".join(_rows_of(_COUNTRIES)).split("|"):
        code, iso3, name = entry.strip().split(" ", 2)
        countries[code] = (iso3, name)
    for code, (iso3, name) in countries.items():
        own = zones.get(code)
        if not own:
            sys.exit(f"build_places: no time zone for {code}")
        add("country", code, code, iso3=iso3, name=name, zone_names=own)
    for code, names in _NAMES.items():
        assert code in countries, code
        for name in dict.fromkeys(n.strip() for n in names.split("|")):
            add("name", name, code)
    for kind, table in (("city", _CITIES), ("region", _REGIONS)):
        for line in _rows_of(table):
            head, *rest = line.split("|")
            parts = head.split(" ")
            code = parts[0]
            zone_names = [p for p in parts[1:] if "/" in p]
            first = " ".join(p for p in parts[1:] if "/" not in p)
            assert code in countries and zone_names, line
            for name in dict.fromkeys([first, *(r.strip() for r in rest)]):
                add(kind, name, code, zone_names=zone_names)
    for code, zone_list in sorted(zones.items()):
        if code not in countries:
            continue
        for zone in zone_list:
            add("zone", zone, code, zone_names=[zone])
    for name, (codes, zone) in _TIME_ZONE_NAMES.items():
        add("zone", name, codes, zone_names=[zone])
    for language, codes in _LANGUAGES.items():
        assert all(c in countries for c in codes.split()), language
        add("language", language, codes)
    for phrase in dict.fromkeys(" | ".join(_rows_of(_UNKNOWN)).split("|")):
        if phrase.strip():
            add("unknown", phrase.strip(), "")
    return rows


def main() -> None:
    rows = build_rows()
    with OUT.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {OUT}")


if __name__ == "__main__":
    main()
