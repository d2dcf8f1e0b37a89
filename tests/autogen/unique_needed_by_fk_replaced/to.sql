CREATE TABLE parent (id INT PRIMARY KEY, code VARCHAR(10) NOT NULL, region VARCHAR(10) NOT NULL, CONSTRAINT parent_code_region UNIQUE (code, region));
CREATE TABLE child (id INT PRIMARY KEY, parent_code VARCHAR(10), parent_region VARCHAR(10), CONSTRAINT child_parent FOREIGN KEY (parent_code, parent_region) REFERENCES parent (code, region));
