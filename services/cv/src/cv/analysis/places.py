"""Places as job ads and CVs write them: country names (English, the country's own, Spanish,
German, French) by ISO 3166 code, since a CV keeps `basics.location.countryCode` and an ad
writes "Germany" or "Deutschland"; and the cities ads name most, in every language's
spelling ("Warsaw" / "Warszawa") and with their country. Names folded (`keywords.fold`)."""

# A country's ISO 3166-1 alpha-2 code, then the names people write for it (on more lines if
# they are many).
_COUNTRIES = """
    AR argentina
    AT austria | osterreich | autriche
    AU australia | australien | australie
    BE belgium | belgie | belgique | belgien | belgica
    BG bulgaria | bulgarien | bulgarie
    BR brazil | brasil | brasilien | bresil
    CA canada | kanada
    CH switzerland | schweiz | suisse | svizzera | suiza
    CL chile
    CN china | chine
    CO colombia | kolumbien | colombie
    CY cyprus | zypern | chypre | chipre
    CZ czechia | czech republic | cesko | tschechien | republique tcheque | chequia
    DE germany | deutschland | allemagne | alemania
    DK denmark | danmark | danemark | dinamarca
    EE estonia | eesti | estland | estonie
    EG egypt | misr | agypten | egypte | egipto
    ES spain | espana | spanien | espagne
    FI finland | suomi | finnland | finlande | finlandia
    FR france | frankreich | francia
    GB united kingdom | uk | great britain | britain | england | scotland | wales
    GB northern ireland | vereinigtes konigreich | royaume-uni | reino unido | grossbritannien
    GR greece | ellada | griechenland | grece | grecia
    HK hong kong
    HR croatia | hrvatska | kroatien | croatie | croacia
    HU hungary | magyarorszag | ungarn | hongrie | hungria
    IE ireland | eire | irland | irlande | irlanda
    IL israel
    IN india | indien | inde
    IS iceland | islande | islandia
    IT italy | italia | italien | italie
    JP japan | nippon | nihon | japon
    KR south korea | korea | sudkorea | coree du sud | corea del sur
    LT lithuania | lietuva | litauen | lituanie | lituania
    LU luxembourg | luxemburg | luxemburgo
    LV latvia | latvija | lettland | lettonie | letonia
    MT malta | malte
    MX mexico | mexiko | mexique
    NL netherlands | the netherlands | nederland | holland | niederlande | pays-bas | paises bajos
    NO norway | norge | norwegen | norvege | noruega
    NZ new zealand | neuseeland | nouvelle-zelande | nueva zelanda
    PL poland | polska | polen | pologne | polonia
    PT portugal
    RO romania | rumanien | roumanie | rumania
    RS serbia | srbija | serbien | serbie
    SE sweden | sverige | schweden | suede | suecia
    SG singapore | singapur | singapour
    SI slovenia | slovenija | slowenien | slovenie | eslovenia
    SK slovakia | slovensko | slowakei | slovaquie | eslovaquia
    TR turkey | turkiye | turkei | turquie | turquia
    UA ukraine | ukraina | ucrania
    US united states | usa | us | united states of america | vereinigte staaten
    US etats-unis | estados unidos
    ZA south africa | sudafrika | afrique du sud | sudafrica
"""

# Cities job ads name, with their country, so "Berlin" alone is known to be in Germany: one
# city a line, its country's code, the name every spelling is compared as, then the others.
_CITIES = """
    PL warsaw | warszawa | varsovie | varsovia | warschau
    PL krakow | cracow | krakau | cracovie | cracovia
    PL wroclaw | breslau
    PL gdansk | danzig
    PL poznan | posen
    PL lodz
    DE berlin
    DE hamburg
    DE munich | munchen | munique | monaco di baviera
    DE cologne | koln | colonia
    DE frankfurt | frankfurt am main | francfort | francfort-sur-le-main
    DE stuttgart
    DE dusseldorf
    DE leipzig
    DE nuremberg | nurnberg
    AT vienna | wien | vienne | viena
    AT graz
    CH zurich | zuerich
    CH geneva | geneve | genf | ginebra
    CH basel | bale | basilea
    CZ prague | praha | prag | praga
    CZ brno
    HU budapest
    RO bucharest | bucuresti | bukarest | bucarest
    RS belgrade | beograd | belgrad | belgrado
    UA kyiv | kiev | kiew
    PT lisbon | lisboa | lissabon | lisbonne
    PT porto | oporto
    ES madrid
    ES barcelona | barcelone
    ES valencia | valence
    ES seville | sevilla
    ES malaga
    IT rome | roma | rom
    IT milan | milano | mailand
    IT turin | torino
    IT florence | firenze | florenz
    IT naples | napoli | neapel
    FR paris
    FR lyon | lyons
    FR marseille | marseilles
    FR toulouse
    FR lille
    FR nantes
    FR bordeaux
    BE brussels | bruxelles | brussel | bruselas
    BE antwerp | antwerpen | anvers | amberes
    NL amsterdam
    NL rotterdam
    NL the hague | den haag | la haye | la haya
    NL eindhoven
    NL utrecht
    LU luxembourg city | ville de luxembourg
    DK copenhagen | kobenhavn | kopenhagen | copenhague
    SE stockholm
    SE gothenburg | goteborg
    NO oslo
    FI helsinki | helsingfors
    EE tallinn
    LV riga
    LT vilnius
    IE dublin
    IE cork
    GB london | londres | londra
    GB manchester
    GB edinburgh | edimbourg | edimburgo
    GB cambridge
    GB oxford
    GR athens | athina | athen | athenes | atenas
    TR istanbul
    EG cairo | al qahirah | kairo | le caire | el cairo
    IL tel aviv
    AE dubai
    IN bangalore | bengaluru
    JP tokyo | tokio | 東京
    CN beijing | peking | pekin
    CN shanghai
    SG singapore city
    AU sydney
    AU melbourne
    CA toronto
    CA vancouver
    CA montreal
    US new york | new york city | nyc
    US san francisco | bay area | san francisco bay area
    US los angeles
    US seattle
    US boston
    US austin
    US chicago
    MX mexico city | ciudad de mexico | cdmx
    BR sao paulo
"""


def _lines(block: str) -> list[tuple[str, list[str]]]:
    """("DE", ["germany", "deutschland", ...]) for each line of a table."""
    return [(line.strip()[:2], [name.strip() for name in line.strip()[3:].split("|")])
            for line in block.strip().splitlines()]


# "deutschland" -> "DE"
COUNTRY_CODES: dict[str, str] = {
    name: code for code, names in _lines(_COUNTRIES) for name in names
}
# "warszawa" -> "warsaw"
CITY_NAMES: dict[str, str] = {name: names[0] for _, names in _lines(_CITIES) for name in names}
# "warsaw" -> "PL"
CITY_COUNTRIES: dict[str, str] = {names[0]: code for code, names in _lines(_CITIES)}
