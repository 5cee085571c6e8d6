"""The words and patterns by which clean.py knows page furniture, in French, English, Spanish
and German: lines of navigation, subscription, cookie banners, "Read also" links; share and
copyright phrases; the shapes of time stamps, bylines and photo captions.

Whole lines are looked up as clean.py's ``_key`` writes them: lower case, apostrophes as "'".
Constants only.
"""

from __future__ import annotations

NAVIGATION_LINES = frozenset(
    {
        "menu",
        "menú",
        "accueil",
        "home",
        "inicio",
        "portada",
        "startseite",
        "rechercher",
        "recherche",
        "search",
        "buscar",
        "búsqueda",
        "suche",
        "suchen",
        "se connecter",
        "connexion",
        "s'identifier",
        "mon compte",
        "log in",
        "login",
        "sign in",
        "my account",
        "iniciar sesión",
        "mi cuenta",
        "anmelden",
        "einloggen",
        "mein konto",
        "skip to content",
        "skip to main content",
        "aller au contenu",
        "aller au contenu principal",
        "ir al contenido",
        "saltar al contenido",
        "zum inhalt springen",
        "direkt zum inhalt",
        "retour en haut",
        "haut de page",
        "back to top",
        "volver arriba",
        "nach oben",
        "page suivante",
        "page précédente",
        "next page",
        "previous page",
        "página siguiente",
        "página anterior",
        "nächste seite",
        "vorherige seite",
        "suivant",
        "précédent",
        "next",
        "previous",
        "siguiente",
        "anterior",
        "weiter",
        "zurück",
        "fermer",
        "close",
        "cerrar",
        "schließen",
        "voir plus",
        "see more",
        "show more",
        "ver más",
        "mehr anzeigen",
        "afficher plus",
        "charger plus",
        "load more",
        "cargar más",
        "mehr laden",
        "commentaires",
        "comments",
        "comentarios",
        "kommentare",
        "voir les commentaires",
        "view comments",
        "ver comentarios",
        "réagir",
        "save",
        "enregistrer",
        "sauvegarder",
        "guardar",
        "merken",
        "bookmark",
        "contribuer",
    }
)
TIMESTAMP_LINES = frozenset(
    {
        "publié",
        "publié le",
        "mis à jour",
        "published",
        "updated",
        "publicado",
        "actualizado",
        "veröffentlicht",
        "aktualisiert",
    }
)
SUBSCRIBE_LINES = frozenset(
    {
        "newsletter",
        "newsletters",
        "abonnez-vous",
        "s'abonner",
        "je m'abonne",
        "abonnement",
        "subscribe",
        "subscribe now",
        "sign up",
        "suscríbete",
        "suscribirse",
        "suscripción",
        "abonnieren",
        "jetzt abonnieren",
        "abo",
        "abonnement abschließen",
    }
)
ADVERTISEMENT_LINES = frozenset(
    {
        "publicité",
        "pub",
        "advertisement",
        "advertising",
        "ad",
        "ads",
        "sponsored",
        "sponsorisé",
        "contenu sponsorisé",
        "contenu partenaire",
        "sponsored content",
        "paid content",
        "publicidad",
        "anuncio",
        "contenido patrocinado",
        "patrocinado",
        "anzeige",
        "werbung",
        "gesponsert",
        "annonce",
    }
)
READ_MORE_LINES = frozenset(
    {
        "lire la suite",
        "lire plus",
        "voir la suite",
        "read more",
        "continue reading",
        "read the full story",
        "leer más",
        "seguir leyendo",
        "sigue leyendo",
        "weiterlesen",
        "mehr lesen",
        "mehr dazu",
    }
)
RELATED_HEADINGS = frozenset(
    {
        "les plus lus",
        "les plus lues",
        "les plus partagés",
        "les plus consultés",
        "à la une",
        "a la une",
        "dernières actualités",
        "dernières infos",
        "dernières nouvelles",
        "en continu",
        "l'actu en continu",
        "à voir",
        "à voir aussi",
        "sur le même sujet",
        "sur le même thème",
        "dans la même rubrique",
        "articles liés",
        "articles similaires",
        "nos derniers articles",
        "vous aimerez aussi",
        "plus d'actualités",
        "most read",
        "most popular",
        "most viewed",
        "most shared",
        "trending",
        "trending now",
        "top stories",
        "latest news",
        "latest stories",
        "latest",
        "related",
        "related articles",
        "related stories",
        "related news",
        "related content",
        "more stories",
        "more news",
        "recommended",
        "recommended for you",
        "editor's picks",
        "you may also like",
        "you might also like",
        "lo más leído",
        "lo más visto",
        "lo más popular",
        "últimas noticias",
        "noticias relacionadas",
        "te puede interesar",
        "también te puede interesar",
        "más noticias",
        "relacionados",
        "meistgelesen",
        "meistgelesene artikel",
        "meist gelesen",
        "am meisten gelesen",
        "neueste artikel",
        "neueste nachrichten",
        "top-themen",
        "topthemen",
        "weitere artikel",
        "weitere nachrichten",
        "das könnte sie auch interessieren",
        "mehr zum thema",
        "ähnliche artikel",
        "auch interessant",
        "archivado en",
        "temas",
        "etiquetas",
        "tags",
        "mots-clés",
        "mots clés",
        "sujets associés",
        "thèmes associés",
        "themen",
        "schlagwörter",
        "related topics",
        "topics",
        "more on this story",
        "plus sur ce sujet",
        "más sobre este tema",
    }
)
COOKIE_BUTTONS = frozenset(
    {
        "accepter",
        "tout accepter",
        "accepter tout",
        "j'accepte",
        "refuser",
        "tout refuser",
        "continuer sans accepter",
        "paramétrer",
        "personnaliser",
        "gérer mes choix",
        "en savoir plus",
        "accept",
        "accept all",
        "i accept",
        "agree",
        "i agree",
        "reject",
        "reject all",
        "decline",
        "manage preferences",
        "manage settings",
        "cookie settings",
        "learn more",
        "ok",
        "got it",
        "aceptar",
        "aceptar todo",
        "aceptar todas",
        "acepto",
        "rechazar",
        "rechazar todo",
        "configurar",
        "gestionar preferencias",
        "más información",
        "akzeptieren",
        "alle akzeptieren",
        "ablehnen",
        "alle ablehnen",
        "einstellungen",
        "zustimmen",
        "einverstanden",
        "mehr erfahren",
    }
)

# "Lire aussi : …" and friends, at the start of a line.
READ_ALSO = (
    r"^(?:[>»›►▶→•*-]+\s*)?(?:à lire aussi|a lire aussi|à lire également|lire aussi|"
    r"lire également|voir aussi|à voir aussi|read more|read also|also read|see also|"
    r"related|more on this(?: story)?|lea también|lee también|leer más|ver también|"
    r"te puede interesar|también te puede interesar|lesen sie auch|lesen sie mehr|mehr zum thema|"
    r"auch interessant|weiterlesen|das könnte sie auch interessieren|sur le même sujet|"
    r"vous aimerez aussi|you may also like|you might also like)(?=\s*(?:[:>»›|–—-]|$))"
)
SUBSCRIBE_STRONG = (
    # QR codes only count with a "scan" verb: "the QR code is required" is news, not a CTA.
    r"\b(?:scan|scannez|scanner|scanne|scannen|escanea|escanee|escanear)\b.*"
    r"\b(?:qr|code qr|código qr)\b|\bqr[- ]?codes?\b.*\b(?:scan\w*|escane\w*)\b|"
    r"\babonnez[- ]vous\b|\bje m'abonne\b|\bs'abonner\b|\binscrivez[- ]vous\b|"
    r"\brecevez (?:notre|nos|gratuitement)\b|\bsuivez[- ]nous\b|\brejoignez[- ]nous\b|"
    r"\bnous rejoindre sur\b|\btéléchargez (?:notre|l'|la) ?app|\bréservé aux abonnés\b|"
    r"\bdéjà abonné\b|\bla suite est réservée\b|\bil vous reste \d+ ?% de cet article\b|"
    r"\bsubscribe (?:to|now|today|for|here)\b|\bsign up (?:for|to|now|here)\b|\bfollow us\b|"
    r"\bjoin us on\b|\bdownload (?:our|the) app\b|\bget (?:our|the) newsletter\b|"
    r"\balready a subscriber\b|\bsubscribers only\b|\bfor subscribers\b|"
    r"\bsuscr[ií]b(?:ete|ase|irse)\b|\bs[ií]guenos\b|\bdescarga (?:nuestra|la) app\b|"
    r"\breg[ií]strate\b|\bya eres suscriptor\b|\bpara suscriptores\b|\búnete a\b|"
    r"\babonnieren sie\b|\bjetzt abonnieren\b|\bnewsletter abonnieren\b|\bfolgen sie uns\b|"
    r"\bmelden sie sich\b.*\bnewsletter\b|\bfür abonnenten\b|\bbereits abonnent\b|"
    r"\bjetzt registrieren\b|\bladen sie (?:unsere|die) app\b|"
    r"\b(?:recibir|recibe|recevoir|recevez|receive|get|erhalten)\s+(?:nuestra|nuestro|notre|nos|"
    r"our|unseren?)\s+(?:\w+\s+)?(?:newsletter|boletín|lettre)|"
    r"\b(?:seguir|sigue|síguenos|suivre|suivez|follow|folgen)\b.{0,60}\b(?:en|sur|on|auf)\s+"
    r"(?:facebook|twitter|x|instagram|linkedin|tiktok|youtube|whatsapp|telegram|threads|bluesky)\b"
)
COOKIE_USE = (
    r"\b(?:nous utilisons|utilise|utilisent|we use|uses|use of|utilizamos|usamos|utiliza|"
    r"verwenden|verwendet|nutzen|nutzt)\b.{0,60}\bcookies?\b.*\b(?:expérience|navigation|"
    r"experience|browsing|consent\w*|accept\w*|politique|policy|política|datenschutz\w*|"
    r"richtlinie|zustimmung|einwilligung|navegación|experiencia|services|servicios|"
    r"statisti\w+|analy\w+|audience|publicité|advertising|publicidad|werbung|partenaires|"
    r"partners|socios|partner)\b"
)
COOKIE_ACTION = (
    r"\bcookies?\b.*\b(?:accepter|acceptez|accept|aceptar|acepta|akzeptieren|stimmen sie|"
    r"refuser|reject|rechazar|ablehnen|gérer|manage|gestionar|verwalten|paramétrer|paramètres|"
    r"settings|customi[sz]e|personnaliser|configuración|einstellungen)\b|"
    r"\b(?:accepter|acceptez|accept|aceptar|acepta|akzeptieren|refuser|reject|rechazar|"
    r"ablehnen|gérer|manage|gestionar)\b.*\bcookies?\b|"
    r"\b(?:politique|policy|política|richtlinie)\b.{0,20}\bcookies?\b|\bcookie[- ]?(?:policy|"
    r"richtlinie|einstellungen|settings|banner)\b"
)
RIGHTS = (
    r"\b(?:tous droits réservés|all rights reserved|todos los derechos reservados|"
    r"alle rechte vorbehalten|reproduction interdite|derechos reservados)\b"
)
# Calls to share, as phrases: "Vous avez aimé cet article ? Partagez-le !".
SHARE_PHRASE = (
    r"\bpartagez[- ](?:le|la|les)\b|\bpartager cet article\b|\bshare (?:this|it)\b|"
    r"\bcompártel[oa]\b|\bcomparte (?:esta|este)\b|\bteilen sie (?:diesen|den|diese)\b|"
    r"\bartikel teilen\b|\bteile diesen\b"
)
READING_TIME = (
    r"^(?:temps de lecture|durée de lecture|lecture|lesezeit|lesedauer|tiempo de lectura|lectura|"
    r"reading time|read time)\s*[:：]?\s*(?:env\.?\s*|ca\.?\s*|approx\.?\s*)?\d+\s*"
    r"(?:min\w*|mn)\.?$|^\d+\s*(?:min\w*|mn)\.?\s+(?:read|de lecture|de lectura|lesezeit|lesen)$"
)
# Source lines: "Le Monde avec AFP", "(avec AFP)", "With Reuters", "Mit Material von dpa".
AGENCY_SOURCE = (
    r"^\(?(?:[\w'’ .-]{0,40}\s)?(?:avec|with|con|mit|mit material von|et|and|y|und|source\s*:|"
    r"fuente\s*:|quelle\s*:)\s+(?:l'|la |el |les |las )?(?:afp|ap|reuters|efe|dpa|europa press|"
    r"ansa|xinhua|agences?|agencias|agenturen|agencies)\)?\.?$"
)
# Wire-story credits at the end: "Reporting by …; Editing by …", "Edición de …".
STAFF_CREDIT = (
    r"^(?:(?:additional )?reporting|writing|editing|compiled|produced) by\b|"
    r"^(?:édité par|rédigé par|édition\s*:|rédaction\s*:|edición de|editado por|redacción\s*:|"
    r"redaktion\s*:|bearbeitet von|mitarbeit\s*:)"
)
SHARE_STRONG = frozenset(
    {
        "partager",
        "partagez",
        "partage",
        "share",
        "shares",
        "shared",
        "compartir",
        "comparte",
        "compártelo",
        "teilen",
        "teile",
        "tweet",
        "tweeter",
        "tweeten",
        "imprimer",
        "print",
        "drucken",
        "imprimir",
        "facebook",
        "twitter",
        "linkedin",
        "whatsapp",
        "telegram",
        "pinterest",
        "reddit",
        "messenger",
        "flipboard",
        "bluesky",
        "xing",
        "wechat",
        "weibo",
        "copier",
        "copy",
        "kopieren",
        "copiar",
        "email",
        "mail",
        "courriel",
        "envoyer",
        "enviar",
        "senden",
        "send",
        "sms",
        "commentaires",
        "commentaire",
        "comments",
        "comentarios",
        "kommentare",
        "kommentieren",
        "réagir",
        "réagissez",
        "threads",
        "instagram",
        "youtube",
        "tiktok",
        "mastodon",
    }
)
SHARE_FILLER = frozenset(
    {
        "sur",
        "on",
        "en",
        "auf",
        "per",
        "par",
        "via",
        "le",
        "la",
        "les",
        "l",
        "lien",
        "link",
        "links",
        "enlace",
        "this",
        "article",
        "cet",
        "ce",
        "este",
        "artículo",
        "noticia",
        "diesen",
        "den",
        "artikel",
        "beitrag",
        "the",
        "a",
        "an",
        "to",
        "with",
        "avec",
        "con",
        "mit",
        "amis",
        "friends",
        "page",
        "story",
        "copied",
        "copié",
        "copiado",
        "kopiert",
        "x",
        "e",
        "post",
        "url",
        "or",
        "ou",
        "o",
        "oder",
        "by",
        "and",
        "et",
        "y",
        "und",
        "voir",
        "view",
        "ver",
        "anzeigen",
        "de",
        "du",
        "des",
        "un",
        "une",
        "por",
        "el",
        "los",
        "las",
        "it",
        "us",
        "nous",
        "follow",
        "suivre",
        "seguir",
        "folgen",
    }
)
FILLER_DATE_WORDS = frozenset(
    {
        "le",
        "la",
        "les",
        "l",
        "à",
        "a",
        "au",
        "du",
        "de",
        "des",
        "del",
        "el",
        "las",
        "los",
        "the",
        "at",
        "on",
        "of",
        "am",
        "um",
        "den",
        "der",
        "dem",
        "uhr",
        "h",
        "heure",
        "heures",
        "et",
        "and",
        "y",
        "und",
        "o",
        "or",
        "ou",
        "oder",
        "pm",
        "ap",
        "min",
        "ét",
        "est",
        "edt",
        "pt",
        "pst",
        "pdt",
        "gmt",
        "utc",
        "cet",
        "cest",
        "mez",
        "mesz",
        "bst",
        "hora",
        "horas",
        "hs",
        "hrs",
        "in",
        "en",
        "t",
        "z",
        "mis",
        "mise",
        "jour",
        "dernière",
        "publié",
        "publiée",
        "publication",
        "modifié",
        "modifiée",
        "créé",
        "màj",
        "maj",
        "updated",
        "update",
        "last",
        "published",
        "posted",
        "first",
        "modified",
        "actualizado",
        "actualizada",
        "actualización",
        "última",
        "publicado",
        "publicada",
        "aktualisiert",
        "veröffentlicht",
        "zuletzt",
        "stand",
        "erstellt",
        "geändert",
        "il",
        "ago",
        "hace",
        "vor",
        "minutes",
        "minute",
        "hours",
        "hour",
        "days",
        "day",
        "jours",
        "minutos",
        "días",
        "stunden",
        "minuten",
        "tagen",
        "seconds",
        "secondes",
        "lecture",
        "read",
        "lesezeit",
        "lectura",
        "temps",
        "mins",
        "lundi",
        "mardi",
        "mercredi",
        "jeudi",
        "vendredi",
        "samedi",
        "dimanche",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "lunes",
        "martes",
        "miércoles",
        "jueves",
        "viernes",
        "sábado",
        "domingo",
        "montag",
        "dienstag",
        "mittwoch",
        "donnerstag",
        "freitag",
        "samstag",
        "sonntag",
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
        "sat",
        "sun",
        "lun",
        "mar",
        "mer",
        "jeu",
        "ven",
        "sam",
        "dim",
    }
)
MONTHS = (
    r"janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|"
    r"décembre|decembre|janv|févr|fév|avr|juil|sept|déc|january|february|march|april|may|june|"
    r"july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|"
    r"dec|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|"
    r"noviembre|diciembre|ene|abr|ago|dic|januar|jänner|februar|märz|juni|juli|oktober|"
    r"dezember|okt|dez|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|"
    r"dicembre|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro"
)
DATE_PARTS = (
    r"\b\d{4}-\d{1,2}-\d{1,2}(?:[T ]\d{1,2}:\d{2}(?::\d{2})?(?:Z|[+-]\d{2}:?\d{2})?)?\b",
    r"\b\d{1,2}[/.-]\d{1,2}(?:[/.-]\d{2,4})?\b",
    # 16h01, 16:01, 4 pm, 4:01 p.m. (a meridiem may follow the minutes too)
    r"\b\d{1,2}(?:[:h]\d{2}(?:\s?(?:am|pm|a\.m\.|p\.m\.))?|\s?(?:h|uhr|am|pm|a\.m\.|p\.m\.))(?![\w])",
    rf"\b\d{{1,2}}(?:er|st|nd|rd|th|º|\.)?\s+(?:de\s+)?(?:{MONTHS})\b\.?(?:,?\s+(?:de\s+)?\d{{4}})?",
    rf"\b(?:{MONTHS})\b\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b(?:,?\s+\d{{4}})?",
    rf"\b(?:{MONTHS})\b\.?\s+(?:de\s+)?\d{{4}}\b",
    r"\b(?:il y a|hace|vor)\s+\d+\s+\w+|\b\d+\s+(?:min|mins|minutes?|hours?|hrs?|days?)\s+ago\b",
)
TIMESTAMP_LABEL = (
    r"(?:^|[|•·,–—-]\s*)(?:dernière mise à jour|mise à jour|mis à jour|màj|maj|publié|publiée|"
    r"modifié|modifiée|créé|updated|last updated|update|published|posted|first published|"
    r"last modified|actualizado|actualizada|última actualización|publicado|publicada|"
    r"aktualisiert|zuletzt aktualisiert|veröffentlicht|stand|erstellt)\b"
)
BYLINE_CONNECTORS = frozenset(
    {
        "et",
        "and",
        "y",
        "und",
        "de",
        "van",
        "von",
        "der",
        "den",
        "da",
        "di",
        "le",
        "la",
        "du",
        "del",
        "des",
        "e",
        "&",
    }
)
# A photo word, then a separator, then a short credit, at the end of a line.
_PHOTO_WORDS = (
    r"photos?|fotos?|images?|imagen|imágenes|bild|bilder|crédits? photo|photo credits?|"
    r"crédits?|credits?|crédito|illustration|ilustración|capture d'écran|screenshot|vidéo|video"
)
CAPTION_PAREN = rf"\(\s*(?:[\w.]+\s+){{0,2}}(?:(?:{_PHOTO_WORDS}|pictured|archives?)\b|©)[^()]{{0,80}}\)\s*$"
CAPTION_TAIL = (
    rf"(?:^|(?<=[.!?…»\"”])\s+|\s[-–—|/]\s*)(?:{_PHOTO_WORDS})\s*(?::|/|©|\bby\b|\bpar\b|"
    rf"\bvon\b|\bde\b|[-–—]|\s(?=(?-i:[A-ZÀ-Ý])))\s*[^.!?]{{1,60}}$"
)
CAPTION_COPY = r"©\s*[^.!?©]{1,60}$"
# "… in Panama City, April 3. AGENCY/Photographer/File Photo": an agency then a slash.
CAPTION_AGENCY = (
    r"(?:^|(?<=[.!?…»\"”])\s+|\s[-–—|]\s*)(?:REUTERS|AFP|AP|EPA|DPA|dpa|EFE|ANSA|XINHUA|Xinhua|"
    r"Getty Images|GETTY IMAGES|Imago|IMAGO|Keystone|KEYSTONE|Bloomberg|SIPA|MAXPPP|"
    r"Europa Press|picture alliance|ABACA|Shutterstock)\s*/\s*[^.!?]{1,80}$"
)
CAPTION_LEAD = (
    r"^(?:(?:photos?|fotos?|image|imagen|bild|illustration|sur la photo|sur cette photo|"
    r"en la imagen|en la foto|im bild|auf dem bild|pictured|above|ci-dessus|caption|légende)"
    r"\s*[:：]|(?:image|photo|picture|video|vidéo) (?:caption|source|credit)s?\s*[:：,]|"
    r"(?:légende|crédits?|source) (?:de l'|de la )?(?:photo|image)\s*[:：,]|"
    r"(?:pie de (?:foto|imagen)|fuente de la imagen)\s*[:：,]|"
    r"(?:bildunterschrift|bildquelle|bildnachweis|fotoquelle)\s*[:：,])\s*"
)
# "… Sevilla.PACO PUENTES", "… 8 juillet 2024. GLEB GARANICH / REUTERS": a sentence, then a
# photographer's name in capitals (and maybe an agency), with nothing after it.
CAPTION_CAPS = r"[.!?…»”]\s*(?:[A-ZÀ-ÖØ-Ý][A-ZÀ-ÖØ-Ý'’.-]+ ?){2,5}(?:/ ?(?:[A-ZÀ-ÖØ-Ý][\w'’.-]* ?){1,4})?$"
LIST_MARKER = r"^(?:[-–—•*·▪►▶→>]+|\d{1,2}[.)])\s+"
BREADCRUMB_SEP = r"\s+[>›»|/·•]\s+|\s*[›|•·]\s*"
