"""WFS 2.0.0 and 1.1.0 at ``/wfs`` (KVP over GET and POST forms): GetCapabilities,
DescribeFeatureType and GetFeature, on the same layers, filter tree and matching as ``/ogcapi``.

Output: GML 3.2 (2.0.0) or GML 3.1.1 (1.1.0), written by PostGIS (``layers.gml_sql``), or GeoJSON.
Errors are OWS ExceptionReports with the ``exceptionCode`` and ``locator`` the standards define.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from urllib.parse import urlencode
from xml.sax.saxutils import escape, quoteattr

from flask import Blueprint, Response, request

from geoplatform.errors import GeoplatformError, InvalidParameter
from layers.crs import CRS, SUPPORTED, parse_crs
from layers.extents import layer_extent
from layers.features_sql import FeaturePage, count_matches, fetch_page, structure_of
from layers.fes import parse_fes, resource_code
from layers.filter_tree import Comparison, In, Node, Spatial, conjunction
from layers.gml_sql import NAMESPACE, PREFIX, gml_page_statement, gml_property_type, property_types
from layers.query import FeatureQuery, parse_int, parse_ogc_bbox, resolve_filter
from layers.registry import LAYERS, Layer
from web import context
from web.floor import feature_collection_text, prepared, published_layers

bp = Blueprint("wfs", __name__)

VERSIONS = ("2.0.0", "1.1.0")
WFS_NS = {"2.0.0": "http://www.opengis.net/wfs/2.0", "1.1.0": "http://www.opengis.net/wfs"}
OWS_NS = {"2.0.0": "http://www.opengis.net/ows/1.1", "1.1.0": "http://www.opengis.net/ows"}
GML_NS = {"2.0.0": "http://www.opengis.net/gml/3.2", "1.1.0": "http://www.opengis.net/gml"}
FES_NS = {"2.0.0": "http://www.opengis.net/fes/2.0", "1.1.0": "http://www.opengis.net/ogc"}
GML_FORMATS = {
    "2.0.0": ("application/gml+xml; version=3.2", "text/xml; subtype=gml/3.2"),
    "1.1.0": ("text/xml; subtype=gml/3.1.1", "application/gml+xml; version=3.1"),
}
JSON_FORMATS = ("application/json", "application/geo+json", "json", "geojson")
WFS_CRS = tuple(crs for crs in SUPPORTED if crs.srid != 4326 or crs.y_first)
"""Every CRS of the service but CRS84, whose URI WFS clients do not expect; EPSG:4326 comes first."""


QUERY_OPERATION = "<wfs:Operations><wfs:Operation>Query</wfs:Operation></wfs:Operations>"


class OWSException(GeoplatformError):
    def __init__(self, code: str, text: str, locator: str | None = None, status: int = 400) -> None:
        super().__init__(text)
        self.exception_code = code
        self.locator = locator
        self.http_status = status


def _kvp() -> dict[str, str]:
    """Request parameters with upper-case names (KVP names are case-insensitive)."""
    source = request.form if request.method == "POST" else request.args
    found: dict[str, str] = {}
    for key, value in source.items(multi=False):
        found[key.upper()] = value
    return found


def _report(error: OWSException, version: str) -> Response:
    ows = OWS_NS.get(version, OWS_NS["2.0.0"])
    report_version = "2.0.0" if version == "2.0.0" else "1.0.0"
    locator = f" locator={quoteattr(error.locator)}" if error.locator else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ows:ExceptionReport xmlns:ows="{ows}" version="{report_version}" xml:lang="en">'
        f'<ows:Exception exceptionCode="{error.exception_code}"{locator}>'
        f"<ows:ExceptionText>{escape(error.description)}</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"
    )
    return Response(body, status=error.http_status, mimetype="application/xml")


@bp.route("/wfs", methods=["GET", "POST"])
def wfs() -> Response:
    kvp = _kvp()
    version = _version(kvp)
    try:
        if kvp.get("SERVICE", "WFS").upper() != "WFS":
            raise OWSException("InvalidParameterValue", "SERVICE must be WFS.", "service")
        operation = kvp.get("REQUEST")
        if not operation:
            raise OWSException("MissingParameterValue", "The REQUEST parameter is missing.", "request")
        handlers = {"GETCAPABILITIES": capabilities, "DESCRIBEFEATURETYPE": describe, "GETFEATURE": get_feature}
        handler = handlers.get(operation.upper())
        if handler is None:
            raise OWSException(
                "OperationNotSupported",
                "This service offers GetCapabilities, DescribeFeatureType and GetFeature.",
                "request",
            )
        return handler(kvp, version)
    except OWSException as error:
        return _report(error, version)
    except GeoplatformError as error:
        return _report(OWSException("InvalidParameterValue", error.description, _locator(error)), version)


def _locator(error: GeoplatformError) -> str | None:
    found = re.search(r"Parameter '([^']+)'", error.description)
    return found.group(1) if found else None


def _version(kvp: Mapping[str, str]) -> str:
    raw = kvp.get("VERSION") or kvp.get("ACCEPTVERSIONS", "").split(",")[0] or "2.0.0"
    raw = raw.strip()
    if raw in ("2.0", "2.0.0", "2.0.2"):
        return "2.0.0"
    if raw in ("1.1", "1.1.0"):
        return "1.1.0"
    if kvp.get("REQUEST", "").upper() == "GETCAPABILITIES":
        return "2.0.0"  # version negotiation: answer with the highest we have
    return "unsupported"


def _check_version(version: str) -> None:
    if version not in VERSIONS:
        raise OWSException("InvalidParameterValue", "VERSION must be 2.0.0 or 1.1.0.", "version")


def _service_url() -> str:
    return request.base_url


def _type_name(layer: Layer) -> str:
    return f"{PREFIX}:{layer.wfs_type_name or layer.name}"


def _layers(raw: str | None, locator: str) -> list[Layer]:
    if not raw:
        raise OWSException("MissingParameterValue", f"{locator.upper()} is missing.", locator)
    by_name = {}
    for layer in LAYERS.values():
        for name in (layer.name, layer.wfs_type_name, _type_name(layer)):
            by_name[name] = layer
    found = []
    for name in raw.strip("()").split(","):
        layer = by_name.get(name.strip())
        if layer is None:
            raise OWSException("InvalidParameterValue", "Unknown feature type; see GetCapabilities.", locator)
        found.append(prepared(layer))
    return found


# -- GetCapabilities -------------------------------------------------------------------------------
def capabilities(kvp: Mapping[str, str], version: str) -> Response:
    _check_version(version)
    ows, wfs_ns, fes = OWS_NS[version], WFS_NS[version], FES_NS[version]
    url = escape(_service_url())
    settings = context.settings()
    two = version == "2.0.0"
    formats = "".join(f"<ows:Value>{escape(f)}</ows:Value>" for f in (*GML_FORMATS[version], "application/json"))

    def constraint(name: str, value: str) -> str:
        if two:
            return (
                f'<ows:Constraint name="{name}"><ows:NoValues/>'
                f"<ows:DefaultValue>{value}</ows:DefaultValue></ows:Constraint>"
            )
        return f'<ows:Constraint name="{name}"><ows:Value>{value}</ows:Value></ows:Constraint>'

    operations = "".join(
        f'<ows:Operation name="{name}"><ows:DCP><ows:HTTP><ows:Get xlink:href="{url}?"/>'
        f'<ows:Post xlink:href="{url}"/></ows:HTTP></ows:DCP>'
        + (
            f'<ows:Parameter name="outputFormat"><ows:AllowedValues>{formats}</ows:AllowedValues></ows:Parameter>'
            if two and name == "GetFeature"
            else (f'<ows:Parameter name="outputFormat">{formats}</ows:Parameter>' if name == "GetFeature" else "")
        )
        + "</ows:Operation>"
        for name in ("GetCapabilities", "DescribeFeatureType", "GetFeature")
    )
    constraints = (
        [
            constraint("ImplementsBasicWFS", "TRUE"),
            constraint("ImplementsTransactionalWFS", "FALSE"),
            constraint("ImplementsLockingWFS", "FALSE"),
            constraint("KVPEncoding", "TRUE"),
            constraint("XMLEncoding", "FALSE"),
            constraint("SOAPEncoding", "FALSE"),
            constraint("ImplementsInheritance", "FALSE"),
            constraint("ImplementsRemoteResolve", "FALSE"),
            constraint("ImplementsResultPaging", "TRUE"),
            constraint("ImplementsStandardJoins", "FALSE"),
            constraint("ImplementsSpatialJoins", "FALSE"),
            constraint("ImplementsTemporalJoins", "FALSE"),
            constraint("ImplementsFeatureVersioning", "FALSE"),
            constraint("ManageStoredQueries", "FALSE"),
            constraint("CountDefault", str(settings.max_limit)),
        ]
        if two
        else []
    )
    feature_types = "".join(_feature_type(layer, version) for layer in published_layers())
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:WFS_Capabilities version="{version}" xmlns:wfs="{wfs_ns}" xmlns:ows="{ows}" '
        f'xmlns:fes="{fes}" xmlns:ogc="{fes}" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'xmlns:gml="{GML_NS[version]}" xmlns:{PREFIX}="{NAMESPACE}">'
        "<ows:ServiceIdentification><ows:Title>geoplatform — 战略性矿产基础数据 WFS</ows:Title>"
        "<ows:Abstract>Strategic-mineral deposits and projects at home and abroad.</ows:Abstract>"
        f"<ows:ServiceType>WFS</ows:ServiceType><ows:ServiceTypeVersion>{version}</ows:ServiceTypeVersion>"
        "<ows:Fees>NONE</ows:Fees><ows:AccessConstraints>NONE</ows:AccessConstraints></ows:ServiceIdentification>"
        "<ows:ServiceProvider><ows:ProviderName>geoplatform</ows:ProviderName></ows:ServiceProvider>"
        f"<ows:OperationsMetadata>{operations}{''.join(constraints)}</ows:OperationsMetadata>"
        f"<wfs:FeatureTypeList>{'' if two else QUERY_OPERATION}"
        f"{feature_types}</wfs:FeatureTypeList>"
        f"{_filter_capabilities(version)}"
        "</wfs:WFS_Capabilities>"
    )
    return Response(body, mimetype="application/xml")


def _feature_type(layer: Layer, version: str) -> str:
    with context.read_engine().connect() as conn:
        minx, miny, maxx, maxy = layer_extent(conn, layer)
    crs = [crs.urn for crs in WFS_CRS]
    other = "OtherCRS" if version == "2.0.0" else "OtherSRS"
    default = "DefaultCRS" if version == "2.0.0" else "DefaultSRS"
    formats = "".join(f"<wfs:Format>{escape(f)}</wfs:Format>" for f in (*GML_FORMATS[version], "application/json"))
    return (
        f"<wfs:FeatureType><wfs:Name>{_type_name(layer)}</wfs:Name>"
        f"<wfs:Title>{escape(layer.title_en)} / {escape(layer.title_zh)}</wfs:Title>"
        f"<wfs:Abstract>{escape(layer.description_en)}</wfs:Abstract>"
        f"<wfs:{default}>{crs[0]}</wfs:{default}>"
        + "".join(f"<wfs:{other}>{urn}</wfs:{other}>" for urn in crs[1:])
        + f"<wfs:OutputFormats>{formats}</wfs:OutputFormats>"
        f"<ows:WGS84BoundingBox><ows:LowerCorner>{minx} {miny}</ows:LowerCorner>"
        f"<ows:UpperCorner>{maxx} {maxy}</ows:UpperCorner></ows:WGS84BoundingBox></wfs:FeatureType>"
    )


def _filter_capabilities(version: str) -> str:
    comparisons = ("EqualTo", "NotEqualTo", "LessThan", "GreaterThan", "LessThanEqualTo", "GreaterThanEqualTo")
    spatial = ("BBOX", "Intersects", "Within", "Contains", "Disjoint", "Equals", "Touches", "Crosses", "Overlaps")
    if version == "2.0.0":
        conformance = "".join(
            f'<fes:Constraint name="{name}"><ows:NoValues/>'
            f"<ows:DefaultValue>{value}</ows:DefaultValue></fes:Constraint>"
            for name, value in (
                ("ImplementsQuery", "TRUE"),
                ("ImplementsAdHocQuery", "TRUE"),
                ("ImplementsFunctions", "FALSE"),
                ("ImplementsResourceId", "TRUE"),
                ("ImplementsMinStandardFilter", "TRUE"),
                ("ImplementsStandardFilter", "TRUE"),
                ("ImplementsMinSpatialFilter", "TRUE"),
                ("ImplementsSpatialFilter", "TRUE"),
                ("ImplementsMinTemporalFilter", "FALSE"),
                ("ImplementsTemporalFilter", "FALSE"),
                ("ImplementsVersionNav", "FALSE"),
                ("ImplementsSorting", "TRUE"),
                ("ImplementsExtendedOperators", "FALSE"),
                ("ImplementsMinimumXPath", "FALSE"),
                ("ImplementsSchemaElementFunc", "FALSE"),
            )
        )
        ops = "".join(
            f'<fes:ComparisonOperator name="PropertyIs{name}"/>'
            for name in (*comparisons[:4], "LessThanOrEqualTo", "GreaterThanOrEqualTo", "Like", "Null", "Between")
        )
        spatial_ops = "".join(f'<fes:SpatialOperator name="{name}"/>' for name in spatial)
        return (
            f"<fes:Filter_Capabilities><fes:Conformance>{conformance}</fes:Conformance>"
            '<fes:Id_Capabilities><fes:ResourceIdentifier name="fes:ResourceId"/></fes:Id_Capabilities>'
            f"<fes:Scalar_Capabilities><fes:LogicalOperators/><fes:ComparisonOperators>{ops}"
            "</fes:ComparisonOperators></fes:Scalar_Capabilities><fes:Spatial_Capabilities><fes:GeometryOperands>"
            '<fes:GeometryOperand name="gml:Envelope"/><fes:GeometryOperand name="gml:Point"/>'
            '<fes:GeometryOperand name="gml:LineString"/><fes:GeometryOperand name="gml:Polygon"/>'
            f"</fes:GeometryOperands><fes:SpatialOperators>{spatial_ops}</fes:SpatialOperators>"
            "</fes:Spatial_Capabilities></fes:Filter_Capabilities>"
        )
    ops = "".join(
        f"<ogc:ComparisonOperator>{name}</ogc:ComparisonOperator>"
        for name in (
            "EqualTo",
            "NotEqualTo",
            "LessThan",
            "GreaterThan",
            "LessThanEqualTo",
            "GreaterThanEqualTo",
            "Like",
            "NullCheck",
            "Between",
        )
    )
    spatial_ops = "".join(f'<ogc:SpatialOperator name="{name}"/>' for name in spatial)
    return (
        "<ogc:Filter_Capabilities><ogc:Spatial_Capabilities><ogc:GeometryOperands>"
        "<ogc:GeometryOperand>gml:Envelope</ogc:GeometryOperand><ogc:GeometryOperand>gml:Point</ogc:GeometryOperand>"
        "<ogc:GeometryOperand>gml:LineString</ogc:GeometryOperand><ogc:GeometryOperand>gml:Polygon</ogc:GeometryOperand>"
        f"</ogc:GeometryOperands><ogc:SpatialOperators>{spatial_ops}</ogc:SpatialOperators></ogc:Spatial_Capabilities>"
        f"<ogc:Scalar_Capabilities><ogc:LogicalOperators/><ogc:ComparisonOperators>{ops}</ogc:ComparisonOperators>"
        "</ogc:Scalar_Capabilities><ogc:Id_Capabilities><ogc:EID/><ogc:FID/></ogc:Id_Capabilities>"
        "</ogc:Filter_Capabilities>"
    )


# -- DescribeFeatureType ---------------------------------------------------------------------------
def describe(kvp: Mapping[str, str], version: str) -> Response:
    _check_version(version)
    names = kvp.get("TYPENAMES") or kvp.get("TYPENAME")
    layers = _layers(names, "typeNames") if names else list(LAYERS.values())
    gml = GML_NS[version]
    gml_schema = (
        "http://schemas.opengis.net/gml/3.2.1/gml.xsd"
        if version == "2.0.0"
        else "http://schemas.opengis.net/gml/3.1.1/base/gml.xsd"
    )
    substitution = "gml:AbstractFeature" if version == "2.0.0" else "gml:_Feature"
    types = []
    for layer in layers:
        elements = "".join(
            f'<xs:element name="{name}" type="{xs}" minOccurs="0" nillable="true"/>'
            for name, xs in property_types(layer)
        )
        types.append(
            f'<xs:complexType name="{layer.name}Type"><xs:complexContent>'
            '<xs:extension base="gml:AbstractFeatureType"><xs:sequence>'
            f'<xs:element name="geometry" type="{gml_property_type(layer)}" minOccurs="0"/>'
            f"{elements}</xs:sequence></xs:extension></xs:complexContent></xs:complexType>"
            f'<xs:element name="{layer.wfs_type_name or layer.name}" type="{PREFIX}:{layer.name}Type" '
            f'substitutionGroup="{substitution}"/>'
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:gml="{gml}" xmlns:{PREFIX}="{NAMESPACE}" '
        f'targetNamespace="{NAMESPACE}" elementFormDefault="qualified" version="{version}">'
        f'<xs:import namespace="{gml}" schemaLocation="{gml_schema}"/>' + "".join(types) + "</xs:schema>"
    )
    return Response(
        body, mimetype="application/gml+xml; version=3.2" if version == "2.0.0" else "text/xml; subtype=gml/3.1.1"
    )


# -- GetFeature -------------------------------------------------------------------------------------
def _output_format(kvp: Mapping[str, str], version: str) -> str:
    raw = (kvp.get("OUTPUTFORMAT") or GML_FORMATS[version][0]).strip()
    normalised = re.sub(r"\s+", "", raw.lower())
    if normalised in {re.sub(r"\s+", "", f.lower()) for f in GML_FORMATS[version]} or normalised in (
        "gml3",
        "gml32",
        "text/xml",
    ):
        return "gml"
    if normalised in JSON_FORMATS:
        return "json"
    raise OWSException("InvalidParameterValue", "OUTPUTFORMAT is not offered; see GetCapabilities.", "outputFormat")


def _crs(kvp: Mapping[str, str]) -> tuple[CRS, bool]:
    """The output CRS and whether it was named in the legacy ``EPSG:n`` form (longitude first)."""
    raw = kvp.get("SRSNAME")
    if not raw:
        return WFS_CRS[0], False
    crs = parse_crs(raw, "srsName")
    return crs, raw.strip().upper().startswith("EPSG:") or "#" in raw


def _bbox(raw: str, default: CRS) -> Spatial:
    """``BBOX=a,b,c,d[,crs]``: the OGC API bbox rule (axis order of the CRS) with the CRS at the end."""
    parts = raw.split(",")
    crs = parse_crs(parts.pop(), "bbox") if len(parts) in (5, 7) else default
    return parse_ogc_bbox(",".join(parts), crs)


def _sort(raw: str | None, layer: Layer) -> tuple[tuple[str, bool], ...]:
    if not raw:
        return ()
    keys = []
    for part in raw.split(","):
        words = part.strip().split()
        if not words or len(words) > 2:
            raise InvalidParameter("Parameter 'sortBy' is a list of 'property [ASC|DESC]'.")
        name = words[0].rpartition(":")[2]
        direction = words[1].upper() if len(words) == 2 else "ASC"
        if direction not in ("ASC", "DESC", "A", "D"):
            raise InvalidParameter("Parameter 'sortBy' is a list of 'property [ASC|DESC]'.")
        queryable = layer.queryables.get(name)
        if queryable is None or queryable.kind != "column" or queryable.type == "geometry":
            raise InvalidParameter("Parameter 'sortBy' names a property that cannot be sorted on.")
        keys.append((name, direction in ("DESC", "D")))
    return tuple(keys)


def feature_query(kvp: Mapping[str, str], layer: Layer, version: str, crs: CRS) -> FeatureQuery:
    """The KVP filters of one GetFeature (BBOX, FILTER, RESOURCEID, paging, SORTBY) as a query."""
    settings = context.settings()
    nodes: list[Node] = []
    exclusive = [name for name in ("BBOX", "FILTER", "RESOURCEID", "FEATUREID") if kvp.get(name)]
    if len(exclusive) > 1:
        raise OWSException(
            "InvalidParameterValue", "BBOX, FILTER and RESOURCEID exclude each other.", exclusive[1].lower()
        )
    if kvp.get("BBOX"):
        nodes.append(_bbox(kvp["BBOX"], WFS_CRS[0] if version == "2.0.0" else crs))
    if kvp.get("FILTER"):
        text = kvp["FILTER"].strip()
        if text.startswith("(") and text.endswith(")"):
            text = text[1:-1]
        nodes.append(parse_fes(text, crs, layer.name))
    ids = kvp.get("RESOURCEID") or kvp.get("FEATUREID")
    if ids:
        codes = tuple(resource_code(part.strip(), layer.name) for part in ids.split(",") if part.strip())
        nodes.append(In("code", codes) if len(codes) > 1 else Comparison("code", "=", codes[0]))
    count_name = "COUNT" if version == "2.0.0" else "MAXFEATURES"
    limit = parse_int(
        kvp.get(count_name) or kvp.get("COUNT") or kvp.get("MAXFEATURES"),
        count_name.lower(),
        settings.max_limit,
        0,
        settings.max_limit,
    )
    return FeatureQuery(
        limit=max(limit, 1),
        offset=parse_int(kvp.get("STARTINDEX"), "startIndex", 0, 0, 10**9),
        filter=resolve_filter(conjunction(nodes), layer, context.vocabulary()),
        sort=_sort(kvp.get("SORTBY"), layer),
    )


def get_feature(kvp: Mapping[str, str], version: str) -> Response:
    _check_version(version)
    names = kvp.get("TYPENAMES") if version == "2.0.0" else kvp.get("TYPENAME") or kvp.get("TYPENAMES")
    layers = _layers(names or kvp.get("TYPENAME"), "typeNames" if version == "2.0.0" else "typeName")
    if len(layers) != 1:
        raise OWSException("OperationNotSupported", "Query one feature type per request (no joins).", "typeNames")
    layer = layers[0]
    crs, legacy = _crs(kvp)
    query = feature_query(kvp, layer, version, crs)
    hits = kvp.get("RESULTTYPE", "results").lower() == "hits"
    output = _output_format(kvp, version)
    settings = context.settings()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    with context.read_engine().connect() as conn:
        if hits:
            page = FeaturePage("", 0, False, count_matches(conn, layer, query, settings.count_timeout_ms))
        else:
            gml_version = "3.2" if version == "2.0.0" else "3.1.1"
            structure = structure_of(query)[0]
            statement = (
                None
                if output == "json"
                else gml_page_statement(layer.name, structure, crs, query.sort, gml_version, legacy)
            )
            page = fetch_page(conn, layer, query, settings.count_timeout_ms, crs, statement)
    matched, returned, members, has_more = page.number_matched, page.number_returned, page.features_json, page.has_more
    if kvp.get("COUNT" if version == "2.0.0" else "MAXFEATURES") == "0":
        returned, members = 0, "[]" if output == "json" else ""
    if output == "json" and not hits:
        head = {"type": "FeatureCollection", "numberReturned": returned, "timeStamp": stamp}
        if matched is not None:
            head["numberMatched"] = matched
        return Response(feature_collection_text(head, members), mimetype="application/geo+json")
    return Response(
        _collection(version, layer, stamp, matched, returned, members, has_more, query, kvp),
        mimetype=("application/gml+xml; version=3.2" if version == "2.0.0" else "text/xml; subtype=gml/3.1.1"),
    )


def _collection(
    version: str,
    layer: Layer,
    stamp: str,
    matched: int | None,
    returned: int,
    members: str,
    has_more: bool,
    query: FeatureQuery,
    kvp: Mapping[str, str],
) -> str:
    schema = (
        _service_url()
        + "?"
        + urlencode(
            {"SERVICE": "WFS", "VERSION": version, "REQUEST": "DescribeFeatureType", "TYPENAMES": _type_name(layer)}
        )
    )
    if version == "2.0.0":
        next_link = ""
        if has_more:
            args = {**kvp, "STARTINDEX": str(query.offset + query.limit), "COUNT": str(query.limit)}
            next_link = f" next={quoteattr(_service_url() + '?' + urlencode(args))}"
        locations = f"{WFS_NS[version]} http://schemas.opengis.net/wfs/2.0/wfs.xsd {NAMESPACE} {schema}"
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f'<wfs:FeatureCollection xmlns:wfs="{WFS_NS[version]}" xmlns:gml="{GML_NS[version]}" '
            f'xmlns:{PREFIX}="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
            f'xsi:schemaLocation={quoteattr(locations)} timeStamp="{stamp}" '
            f'numberMatched="{matched if matched is not None else "unknown"}" numberReturned="{returned}"{next_link}>'
            f"{members}</wfs:FeatureCollection>"
        )
    locations = f"{WFS_NS[version]} http://schemas.opengis.net/wfs/1.1.0/wfs.xsd {NAMESPACE} {schema}"
    hits = f' numberOfFeatures="{matched if kvp.get("RESULTTYPE", "").lower() == "hits" else returned}"'
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<wfs:FeatureCollection xmlns:wfs="{WFS_NS[version]}" xmlns:gml="{GML_NS[version]}" '
        f'xmlns:{PREFIX}="{NAMESPACE}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation={quoteattr(locations)} timeStamp="{stamp}"{hits}>'
        f"{members}</wfs:FeatureCollection>"
    )
