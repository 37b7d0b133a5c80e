/** The words the simulated API titles its videos with: each language's, and which region speaks which. */

export interface Vocabulary {
  readonly language: string
  readonly subjects: ReadonlyArray<string>
  readonly tails: ReadonlyArray<string>
  readonly channels: ReadonlyArray<string>
}

const VOCABULARIES: Readonly<Record<string, Vocabulary>> = {
  pl: {
    language: "pl",
    subjects: ["Żółta Łódź", "Księżyc nad Gdańskiem", "Zażółć gęślą jaźń", "Źdźbło trawy", "Wieczór w Łodzi", "Kraków nocą"],
    tails: ["– teledysk", "(na żywo)", "🌙", "– premiera", "🔥 najlepsze momenty", "| odcinek specjalny"],
    channels: ["Żółta Łódź", "Kanał Śląski", "Muzyka Pomorza", "Gra o Łódź"]
  },
  nl: {
    language: "nl",
    subjects: ["Fietsen door Utrecht", "De mooiste liedjes", "IJsselmeer bij nacht", "Wandelen in Zeeland", "Koningsdag"],
    tails: ["(officiële video)", "🚲", "– live", "| samenvatting", "🎵"],
    channels: ["Polderpop", "NOS Jeugd", "Gouda Gaming", "Straatmuzikanten"]
  },
  sv: {
    language: "sv",
    subjects: ["Tjejerna springer", "Midsommar i Skåne", "Älgen på vägen", "Köttbullar på riktigt", "Norrsken över Kiruna"],
    tails: ["(officiell video)", "🦌", "– live", "| höjdpunkter", "✨"],
    channels: ["Skånska Ljud", "Älvdalen TV", "Fika Gaming", "Göteborgs Musik"]
  },
  no: {
    language: "no",
    subjects: ["Nordlys over Tromsø", "Fjellturen", "Brunost og vafler", "Løpet i Bergen", "Vinter på Svalbard"],
    tails: ["(offisiell video)", "❄️", "– direkte", "| høydepunkter", "🏔️"],
    channels: ["Fjordlyd", "Bergen Beats", "Trøndersk TV", "Nordlys Spill"]
  },
  de: {
    language: "de",
    subjects: ["Grüße aus Graz", "Österreichs schönste Berge", "Wiener Straßenbahn", "Schifahren am Arlberg", "Der Bäcker von Linz"],
    tails: ["(offizielles Video)", "🏔️", "– live", "| Höhepunkte", "🎶"],
    channels: ["Alpenklang", "Wien Heute", "Grazer Gaming", "Tiroler Töne"]
  },
  fr: {
    language: "fr",
    subjects: ["Été à Marseille", "Les Bleus en finale", "Crêpes à la bretonne", "Ça va être génial", "Nuit blanche à Paris"],
    tails: ["(clip officiel)", "🥐", "– en direct", "| résumé", "🎬"],
    channels: ["Chanson Française", "Foot Île-de-France", "Cuisine Maison", "Jeux Vidéo Québec"]
  },
  es: {
    language: "es",
    subjects: ["Mañana en Sevilla", "El Clásico", "Canción del año", "Paella de la abuela", "Noche en Ciudad de México"],
    tails: ["(video oficial)", "🔥", "– en vivo", "| resumen", "💃"],
    channels: ["Música Latina", "Fútbol Total", "Cocina Fácil", "Gamers Españoles"]
  },
  pt: {
    language: "pt",
    subjects: ["Carnaval no Rio", "Gol de placa", "Saudade de São Paulo", "Pão de queijo caseiro", "Forró na praia"],
    tails: ["(clipe oficial)", "⚽", "– ao vivo", "| melhores momentos", "🎶"],
    channels: ["Sertanejo Brasil", "Futebol Já", "Cozinha da Vó", "Jogatina BR"]
  },
  ja: {
    language: "ja",
    subjects: ["東京の夜景", "新曲ミュージックビデオ", "ラーメン食べ比べ", "桜の季節", "ゲーム実況"],
    tails: ["【公式】", "🌸", "– ライブ", "| ハイライト", "🎮"],
    channels: ["東京ミュージック", "ゲームチャンネル", "料理の時間", "旅するカメラ"]
  },
  en: {
    language: "en",
    subjects: ["Running the London marathon", "Official Music Video", "We tried every burger", "Top 10 goals", "Reacting to the finale"],
    tails: ["(Official Video)", "🔥", "– Live", "| Highlights", "😂"],
    channels: ["Northern Lights Music", "Goal Rush", "Kitchen Chaos", "Pixel Arcade"]
  }
}

/** A region's titles; a region not named here gets English ones. */
const REGION_VOCABULARY: Readonly<Record<string, string>> = {
  PL: "pl",
  NL: "nl",
  BE: "nl",
  SE: "sv",
  NO: "no",
  AT: "de",
  DE: "de",
  CH: "de",
  LI: "de",
  GB: "en",
  US: "en",
  FR: "fr",
  LU: "fr",
  SN: "fr",
  ...Object.fromEntries(
    ["ES", "MX", "AR", "CO", "CL", "PE", "VE", "EC", "BO", "PY", "UY", "CR", "PA", "GT", "HN", "NI", "SV", "DO", "PR"].map((r) => [r, "es"])
  ),
  BR: "pt",
  PT: "pt",
  JP: "ja"
}

/** A region's vocabulary. */
export const vocabularyOf = (region: string): Vocabulary => VOCABULARIES[REGION_VOCABULARY[region] ?? "en"]!

/** The worldwide hits' titles. */
export const ENGLISH: Vocabulary = VOCABULARIES["en"]!
