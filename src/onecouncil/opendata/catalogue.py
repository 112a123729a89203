"""The council's open data catalogue as DCAT-AP 2.1.1 (JSON-LD and Turtle), built with
rdflib, and each dataset as schema.org ``Dataset`` markup for dataset search engines.

Only published releases are listed; a withdrawn or retired release is dropped. Each
dataset is listed once at its stable address (the newest release's files) and has each
available release as a version (``dct:hasVersion``). Addresses are built from the
council's public address (``core.links``), never from the request. The JSON-LD context
is inline: nothing is fetched at run time.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils.translation import gettext as _
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, RDFS, SKOS, XSD
from shapely.geometry import mapping, shape

from onecouncil.core.links import public_url
from onecouncil.core.models import Council
from onecouncil.opendata.datasets import DATASETS, FORMAT_NAMES, FORMATS, MEDIA_TYPES, Dataset
from onecouncil.opendata.models import LICENCE_URLS, Licence, OpenDataSettings, Release
from onecouncil.places.imports import OS_NOTICE
from onecouncil.places.models import CouncilBoundary

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
GSP = Namespace("http://www.opengis.net/ont/geosparql#")
EU = "http://publications.europa.eu/resource/authority/"
FILE_TYPES = {"csv": "CSV", "json": "JSON", "parquet": "PARQUET"}

CONTEXT = {
    "dcat": str(DCAT),
    "dct": str(DCTERMS),
    "foaf": str(FOAF),
    "vcard": str(VCARD),
    "locn": str(LOCN),
    "gsp": str(GSP),
    "owl": str(OWL),
    "rdfs": str(RDFS),
    "skos": str(SKOS),
    "xsd": str(XSD),
}


def attribution(council: Council, when: dt.date) -> str:
    """The notice OS-derived places need (the council's own words, or the standard one)."""
    return council.geography_attribution or f"{OS_NOTICE} {when.year}"


def dataset_url(council: Council, dataset: Dataset, version: dt.date | None = None) -> str:
    url = public_url(council, "open_data_dataset", dataset.id)
    return f"{url}?version={version.isoformat()}" if version else url


def file_url(council: Council, filename: str, version: dt.date | None = None) -> str:
    if version is None:
        return public_url(council, "open_data_file", filename)
    return public_url(council, "open_data_release_file", version.isoformat(), filename)


def _boundary(council: Council) -> tuple[str, str] | None:
    """The council's boundary as a GeoJSON geometry (simplified to about 50 metres) and
    its bounding box as WKT."""
    found = CouncilBoundary.objects.filter(council=council).first()
    if found is None:
        return None
    geometry = shape(json.loads(found.geometry)).simplify(0.0005)
    box = (
        f"POLYGON(({found.min_lon} {found.min_lat},{found.max_lon} {found.min_lat},"
        f"{found.max_lon} {found.max_lat},{found.min_lon} {found.max_lat},"
        f"{found.min_lon} {found.min_lat}))"
    )
    return json.dumps(mapping(geometry)), box


class _Builder:
    def __init__(self, council: Council, options: OpenDataSettings) -> None:
        self.council = council
        self.graph = Graph()
        for prefix, uri in CONTEXT.items():
            self.graph.bind(prefix, Namespace(uri))
        self.licence = URIRef(LICENCE_URLS[Licence(options.licence)])
        self.publisher = URIRef(council.website or public_url(council, "home"))
        self.contact = BNode()
        self.spatial = BNode()

    def add(self, s: Any, p: Any, o: Any) -> None:
        self.graph.add((s, p, o))

    def common(self) -> None:
        g = self.add
        g(self.licence, RDF.type, DCTERMS.LicenseDocument)
        g(self.publisher, RDF.type, FOAF.Agent)
        g(self.publisher, FOAF.name, Literal(self.council.name, lang="en"))
        g(self.contact, RDF.type, VCARD.Organization)
        g(self.contact, VCARD.fn, Literal(self.council.name))
        if self.council.email:
            g(self.contact, VCARD.hasEmail, URIRef(f"mailto:{self.council.email}"))
        if self.council.website:
            g(self.contact, VCARD.hasURL, URIRef(self.council.website))
        g(self.spatial, RDF.type, DCTERMS.Location)
        g(self.spatial, SKOS.prefLabel, Literal(self.council.name, lang="en"))
        boundary = _boundary(self.council)
        if boundary is not None:
            g(self.spatial, LOCN.geometry, Literal(boundary[0], datatype=GSP.geoJSONLiteral))
            g(self.spatial, DCAT.bbox, Literal(boundary[1], datatype=GSP.wktLiteral))
        g(URIRef(f"{EU}frequency/DAILY"), RDF.type, DCTERMS.Frequency)
        g(URIRef(f"{EU}language/ENG"), RDF.type, DCTERMS.LinguisticSystem)
        theme, themes = URIRef(f"{EU}data-theme/GOVE"), URIRef(f"{EU}data-theme")
        g(theme, RDF.type, SKOS.Concept)
        g(theme, SKOS.prefLabel, Literal("Government and public sector", lang="en"))
        g(theme, SKOS.inScheme, themes)
        g(themes, RDF.type, SKOS.ConceptScheme)
        g(themes, DCTERMS.title, Literal("Data theme", lang="en"))
        for fmt in FORMATS:
            g(URIRef(f"{EU}file-type/{FILE_TYPES[fmt]}"), RDF.type, DCTERMS.MediaTypeOrExtent)
            g(URIRef(self.media_type(fmt)), RDF.type, DCTERMS.MediaType)

    @staticmethod
    def media_type(fmt: str) -> str:
        return f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[fmt]}"

    def dataset(self, dataset: Dataset, release: Release, stable: bool) -> URIRef:
        g = self.add
        version = None if stable else release.version
        node = URIRef(dataset_url(self.council, dataset, version))
        g(node, RDF.type, DCAT.Dataset)
        title = str(dataset.title) if stable else f"{dataset.title} ({release.version})"
        g(node, DCTERMS.title, Literal(title, lang="en"))
        g(node, DCTERMS.description, Literal(str(dataset.description), lang="en"))
        g(node, DCTERMS.publisher, self.publisher)
        g(node, DCAT.contactPoint, self.contact)
        g(node, DCTERMS.spatial, self.spatial)
        g(node, DCTERMS.accrualPeriodicity, URIRef(f"{EU}frequency/DAILY"))
        g(node, DCTERMS.language, URIRef(f"{EU}language/ENG"))
        g(node, DCAT.theme, URIRef(f"{EU}data-theme/GOVE"))
        g(node, DCAT.landingPage, URIRef(dataset_url(self.council, dataset, version)))
        g(URIRef(dataset_url(self.council, dataset, version)), RDF.type, FOAF.Document)
        g(node, OWL.versionInfo, Literal(release.version.isoformat()))
        for keyword in dataset.keywords:
            g(node, DCAT.keyword, Literal(keyword, lang="en"))
        if release.published_at:
            g(node, DCTERMS.modified, Literal(release.published_at, datatype=XSD.dateTime))
        g(node, DCTERMS.identifier, Literal(f"{self.council.slug}/{dataset.id}"))
        if release.covers_from is not None:
            period = BNode()
            g(period, RDF.type, DCTERMS.PeriodOfTime)
            g(period, DCAT.startDate, Literal(release.covers_from, datatype=XSD.date))
            g(period, DCAT.endDate, Literal(release.version, datatype=XSD.date))
            g(node, DCTERMS.temporal, period)
        for fmt in FORMATS:
            self.distribution(node, dataset, release, fmt, version)
        return node

    def distribution(
        self, node: URIRef, dataset: Dataset, release: Release, fmt: str, version: dt.date | None
    ) -> None:
        g = self.add
        filename = dataset.filename(fmt)
        url = URIRef(file_url(self.council, filename, version))
        g(node, DCAT.distribution, url)
        g(url, RDF.type, DCAT.Distribution)
        g(url, DCAT.accessURL, URIRef(dataset_url(self.council, dataset, version)))
        g(url, DCAT.downloadURL, url)
        g(url, DCTERMS.title, Literal(f"{dataset.title} ({FORMAT_NAMES[fmt]})", lang="en"))
        g(url, DCTERMS.format, URIRef(f"{EU}file-type/{FILE_TYPES[fmt]}"))
        g(url, DCAT.mediaType, URIRef(self.media_type(fmt)))
        g(url, DCTERMS.license, self.licence)
        facts = release.file(filename) or {}
        if "bytes" in facts:
            g(url, DCAT.byteSize, Literal(facts["bytes"], datatype=XSD.decimal))
        if release.published_at:
            g(url, DCTERMS.issued, Literal(release.published_at, datatype=XSD.dateTime))
        dictionary = URIRef(file_url(self.council, dataset.dictionary_filename, version))
        g(url, DCTERMS.conformsTo, dictionary)
        g(dictionary, RDF.type, DCTERMS.Standard)
        g(dictionary, RDFS.label, Literal(str(_("Data dictionary")), lang="en"))
        if dataset.places:
            rights = BNode()
            g(rights, RDF.type, DCTERMS.RightsStatement)
            g(rights, RDFS.label, Literal(attribution(self.council, release.version)))
            g(url, DCTERMS.rights, rights)


def catalogue_graph(
    *, council: Council, options: OpenDataSettings, releases: list[Release]
) -> Graph:
    """The catalogue of the council's published releases, newest first."""
    builder = _Builder(council, options)
    builder.common()
    g = builder.add
    catalogue = URIRef(public_url(council, "open_data"))
    g(catalogue, RDF.type, DCAT.Catalog)
    g(catalogue, DCTERMS.title, Literal(str(_("%s open data") % council.name), lang="en"))
    g(
        catalogue,
        DCTERMS.description,
        Literal(
            str(_("Service requests made to %s, published daily with no personal data."))
            % council.name,
            lang="en",
        ),
    )
    g(catalogue, DCTERMS.publisher, builder.publisher)
    g(catalogue, FOAF.homepage, catalogue)
    g(catalogue, RDF.type, FOAF.Document)
    g(catalogue, DCTERMS.license, builder.licence)
    g(catalogue, DCTERMS.language, URIRef(f"{EU}language/ENG"))
    g(catalogue, DCTERMS.spatial, builder.spatial)
    g(catalogue, DCAT.themeTaxonomy, URIRef(f"{EU}data-theme"))
    if releases:
        newest = releases[0]
        if newest.published_at:
            g(catalogue, DCTERMS.modified, Literal(newest.published_at, datatype=XSD.dateTime))
        for dataset in DATASETS:
            stable = builder.dataset(dataset, newest, stable=True)
            g(catalogue, DCAT.dataset, stable)
            for release in releases:
                version = builder.dataset(dataset, release, stable=False)
                g(catalogue, DCAT.dataset, version)
                g(stable, DCTERMS.hasVersion, version)
    return builder.graph


def as_jsonld(graph: Graph) -> str:
    return graph.serialize(format="json-ld", context=CONTEXT, auto_compact=True)


def as_turtle(graph: Graph) -> str:
    return graph.serialize(format="turtle")


def schema_org(
    council: Council, options: OpenDataSettings, dataset: Dataset, release: Release
) -> dict[str, Any]:
    """The schema.org ``Dataset`` markup for a dataset's page."""
    return {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "name": str(dataset.title),
        "description": str(dataset.description),
        "url": dataset_url(council, dataset),
        "identifier": f"{council.slug}/{dataset.id}",
        "version": release.version.isoformat(),
        "keywords": list(dataset.keywords),
        "license": LICENCE_URLS[Licence(options.licence)],
        "isAccessibleForFree": True,
        "dateModified": release.published_at.isoformat() if release.published_at else None,
        **(
            {"temporalCoverage": f"{release.covers_from}/{release.version}"}
            if release.covers_from is not None
            else {}
        ),
        "creator": {"@type": "GovernmentOrganization", "name": council.name},
        "spatialCoverage": {"@type": "Place", "name": council.name},
        "distribution": [
            {
                "@type": "DataDownload",
                "encodingFormat": MEDIA_TYPES[fmt],
                "contentUrl": file_url(council, dataset.filename(fmt)),
            }
            for fmt in FORMATS
        ],
        **({"creditText": attribution(council, release.version)} if dataset.places else {}),
    }
