# shellcheck shell=bash
# The pom whose runtime dependencies are the REST catalog server's classpath (sourced by
# iceberg-rest.sh, which sets ICEBERG_VERSION, JETTY_VERSION and HADOOP_VERSION).
#
# iceberg-open-api's test-fixtures pom lists no dependencies, so they are named here: iceberg-core
# and its tests jar (the REST servlet and adapter), Jetty 11, sqlite for the JDBC catalog,
# iceberg-aws + iceberg-aws-bundle (S3FileIO and the AWS SDK v2 it needs), and hadoop-common for
# Configuration and HadoopFileIO, without the parts a file:// warehouse never loads (its own
# Jetty 9 and servlet API would clash with Jetty 11; the rest is Kerberos, ZooKeeper, web and
# logging weight).

_dep() { # group artifact version [classifier] [exclusions-xml]
  printf '<dependency><groupId>%s</groupId><artifactId>%s</artifactId><version>%s</version>' "$1" "$2" "$3"
  [[ -n "${4:-}" ]] && printf '<classifier>%s</classifier>' "$4"
  [[ -n "${5:-}" ]] && printf '<exclusions>%s</exclusions>' "$5"
  printf '</dependency>\n'
}

_exclude_all() { # group...
  local group
  for group in "$@"; do
    printf '<exclusion><groupId>%s</groupId><artifactId>*</artifactId></exclusion>' "$group"
  done
}

write_server_pom() {
  local hadoop_exclusions
  hadoop_exclusions="$(_exclude_all org.eclipse.jetty org.eclipse.jetty.websocket javax.servlet \
    javax.servlet.jsp jakarta.servlet com.sun.jersey com.github.pjfanning org.apache.zookeeper \
    org.apache.curator org.apache.kerby ch.qos.reload4j io.netty org.bouncycastle \
    org.apache.avro com.jcraft dnsjava org.xerial.snappy)"
  hadoop_exclusions+='<exclusion><groupId>org.slf4j</groupId><artifactId>slf4j-reload4j</artifactId></exclusion>'
  cat >"$1" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>lakestream.services</groupId>
  <artifactId>iceberg-rest-server</artifactId>
  <version>0</version>
  <packaging>pom</packaging>
  <dependencies>
$(_dep org.apache.iceberg iceberg-open-api "$ICEBERG_VERSION" test-fixtures)
$(_dep org.apache.iceberg iceberg-core "$ICEBERG_VERSION")
$(_dep org.apache.iceberg iceberg-core "$ICEBERG_VERSION" tests)
$(_dep org.apache.iceberg iceberg-aws "$ICEBERG_VERSION")
$(_dep org.apache.iceberg iceberg-aws-bundle "$ICEBERG_VERSION")
$(_dep org.eclipse.jetty jetty-server "$JETTY_VERSION")
$(_dep org.eclipse.jetty jetty-servlet "$JETTY_VERSION")
$(_dep org.xerial sqlite-jdbc 3.46.1.3)
$(_dep org.slf4j slf4j-simple 2.0.16)
$(_dep org.apache.hadoop hadoop-common "$HADOOP_VERSION" "" "$hadoop_exclusions")
  </dependencies>
</project>
POM
}
