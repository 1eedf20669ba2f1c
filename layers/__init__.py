"""What geoplatform publishes as layers, and how their features are queried.

``registry`` declares the layers; ``query`` turns request parameters into a typed query;
``features_sql`` is the one SQL builder for features (PostGIS writes the GeoJSON).
"""
